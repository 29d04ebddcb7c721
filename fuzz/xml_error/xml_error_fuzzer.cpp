// libFuzzer target: S3 and Azure error bodies (<Error><Code/><Message/>...</Error>):
// parse_xml_error_body (store/common/xml.hpp), S3Client::parse_error / already_gone /
// credential_rejected and the Azure client's, and error_from_response / range_read_from_response
// (store/common/http_response.hpp) with each as the parser. The input is a response body; the
// seeds are moto_server's and Azurite's error answers (fuzz/make_seeds.py). The status and the
// x-amz-bucket-region / x-ms-error-code headers are picked from the input's size, so plain bodies
// are the seeds.
#include <array>

#include "common/fuzz_support.hpp"
#include "store/azure/azure_client.hpp"
#include "store/common/xml.hpp"
#include "store/s3/s3_client.hpp"

namespace {

using tdump::fuzz::check;
using namespace tdump::store;

const S3Client& s3_client() {
  static const S3Client kClient = [] {
    S3Config config;
    config.bucket = "bkt";
    config.region = "us-east-1";
    return S3Client(config, "environment");
  }();
  return kClient;
}

const AzureClient& azure_client() {
  static const std::shared_ptr<const AzureClient> kClient = [] {
    AzureConfig config;
    config.account = "devstoreaccount1";
    config.container = "ctr";
    config.blob_endpoint = "http://127.0.0.1:10000/devstoreaccount1";
    auto made = AzureClient::create(config, "options account_key");
    if (!made) tdump::fuzz::fail("the Azure client cannot be made");
    return *made;
  }();
  return *kClient;
}

void check_error(const tdump::Error& error, std::string_view request, int status) {
  check(error.message.starts_with(request), "an error from a response does not name the request");
  check(error.http_status == status, "an error from a response lost the status");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  static constexpr std::array<int, 8> kStatuses = {400, 401, 403, 404, 409, 412, 416, 503};
  const std::string_view body = tdump::fuzz::as_text(data, size);
  const RemoteError plain = parse_xml_error_body(body);
  check(plain.message.find('\n') == std::string::npos, "an error message keeps more than its first line");

  tdump::http::Response response;
  response.status = kStatuses[size % kStatuses.size()];
  response.body = std::string(body);
  if (size % 3 == 0) response.headers.push_back({"x-amz-bucket-region", "eu-west-1"});
  if (size % 5 == 0) response.headers.push_back({"x-ms-error-code", "ContainerNotFound"});

  const S3Client& s3 = s3_client();
  const RemoteError from_s3 = s3.parse_error(response);
  check(from_s3.code == plain.code && from_s3.object_size == plain.object_size, "S3's error code or size differs");
  check(s3.already_gone(response) == (plain.code == "NoSuchKey"), "S3 already_gone disagrees with the code");
  (void)s3.credential_rejected(response);

  const AzureClient& azure = azure_client();
  const RemoteError from_azure = azure.parse_error(response);
  check(plain.code.empty() || from_azure.code == plain.code, "Azure's error code differs from the body's");
  (void)azure.already_gone(response);
  (void)azure.credential_rejected(response);

  const std::string request = "GET s3://bkt/key";
  const RemoteErrorParser s3_parser = [&s3](const tdump::http::Response& r) { return s3.parse_error(r); };
  check_error(error_from_response(response, request, s3_parser), request, response.status);
  const RemoteErrorParser azure_parser = [&azure](const tdump::http::Response& r) { return azure.parse_error(r); };
  check_error(error_from_response(response, request, azure_parser), request, response.status);

  // A 416 without Content-Range takes the object size from the body (S3's <ActualObjectSize>).
  response.status = 416;
  auto read = range_read_from_response(response, ByteRange{100, 10}, request, s3_parser);
  check(read.ok() && read->bytes.empty() && read->object_size == plain.object_size,
        "a 416 answer does not give the body's object size");
  return 0;
}

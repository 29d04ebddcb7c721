// libFuzzer target: GCS JSON API error bodies ({"error": {"code", "message", "errors": [{"reason"}]}}):
// GcsClient::parse_json_error / already_gone (store/gcs/gcs_client.hpp) and error_from_response
// with it as the parser. The input is a response body; the seeds are our GCS test server's error
// answers (tests/store/gcs_json_api_server.py, fuzz/make_seeds.py).
#include <array>

#include "common/fuzz_support.hpp"
#include "store/gcs/gcs_client.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  static constexpr std::array<int, 6> kStatuses = {400, 401, 403, 404, 416, 503};
  static const GcsClient kClient{GcsConfig{}};
  tdump::http::Response response;
  response.status = kStatuses[size % kStatuses.size()];
  response.body = std::string(tdump::fuzz::as_text(data, size));
  const RemoteError remote = GcsClient::parse_json_error(response);
  check(kClient.parse_error(response).code == remote.code, "parse_error and parse_json_error disagree");
  check(kClient.already_gone(response) == remote.message.starts_with("No such object"),
        "already_gone disagrees with the message");
  (void)kClient.credential_rejected(response);
  const std::string request = "GET gs://bkt/key";
  const RemoteErrorParser parser = [](const tdump::http::Response& r) { return GcsClient::parse_json_error(r); };
  const tdump::Error error = error_from_response(response, request, parser);
  check(error.message.starts_with(request) && error.http_status == response.status,
        "an error from a GCS response lost the request or the status");
  return 0;
}

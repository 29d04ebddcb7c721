// libFuzzer target: S3 ListObjectsV2 pages (S3Client::parse_list, store/s3/s3_client.hpp), with
// and without a delimiter (CommonPrefixes) and with encoding-type=url. The input is a response
// body; the seeds are moto_server's answers (fuzz/make_seeds.py). Parsing again with a root
// prefix taken from the page must give the same keys without it.
#include "common/fuzz_support.hpp"
#include "store/s3/s3_client.hpp"

using tdump::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  auto whole = tdump::store::S3Client::parse_list(body, "");
  if (!whole) {
    check(whole.error().code == tdump::ErrorCode::kParse && !whole.error().message.empty(),
          "an unreadable S3 listing is not a kParse error with a message");
    return 0;
  }
  const std::string strip = tdump::fuzz::root_prefix_of(*whole);
  auto stripped = tdump::store::S3Client::parse_list(body, strip);
  check(stripped.ok(), "a listing that parses without a root prefix fails with one");
  tdump::fuzz::check_strip_consistency(*whole, *stripped, strip);
  return 0;
}

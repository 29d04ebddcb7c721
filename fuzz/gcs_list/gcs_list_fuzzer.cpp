// libFuzzer target: GCS JSON API objects.list pages (GcsClient::parse_list,
// store/gcs/gcs_client.hpp), with and without a delimiter ("prefixes"). The input is a response
// body; the seeds are our GCS test server's answers (tests/store/gcs_json_api_server.py,
// fuzz/make_seeds.py). Parsing again with a root prefix taken from the page must give the same
// keys without it.
#include "common/fuzz_support.hpp"
#include "store/gcs/gcs_client.hpp"

using tdump::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  auto whole = tdump::store::GcsClient::parse_list(body, "");
  if (!whole) {
    check(whole.error().code == tdump::ErrorCode::kParse && !whole.error().message.empty(),
          "an unreadable GCS listing is not a kParse error with a message");
    return 0;
  }
  const std::string strip = tdump::fuzz::root_prefix_of(*whole);
  auto stripped = tdump::store::GcsClient::parse_list(body, strip);
  check(stripped.ok(), "a listing that parses without a root prefix fails with one");
  tdump::fuzz::check_strip_consistency(*whole, *stripped, strip);
  return 0;
}

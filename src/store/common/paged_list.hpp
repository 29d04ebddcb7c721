#pragma once
// The pagination loop every token-based listing shares (S3 continuation tokens, GCS page
// tokens, Azure markers): fetch a page with the last token, stop when none comes back. Pages
// are untrusted, so the loop also enforces what S3, GCS and Azure promise:
// - keys come in strictly increasing order within one stream (the service's own order, see
//   KeyOrder): a key that is not greater than the previous one (a repeat on a later page, a
//   server that lies) is skipped and counted, and the count is logged as one warning (with
//   the first such key) when the stream ends, so a key never gives two rows;
// - a continuation token is never seen twice in one stream (a cycle A -> B -> C -> A would
//   list forever): the 64-bit hashes of the tokens seen are remembered (up to
//   kMaxRememberedTokens; beyond that, new tokens are no longer remembered) and a repeat is an
//   error;
// - a token longer than kMaxTokenBytes is an error; messages quote at most a few bytes of one.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/object_store.hpp"

namespace tdump::store {

inline constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxRememberedTokens = std::size_t{1} << 20;  // 8 MiB of hashes, 16 MiB of table

struct Page {
  std::vector<ObjectMeta> objects;
  std::string next_token;                    // "" = this was the last page
  std::vector<std::string> common_prefixes;  // store-relative, with a delimiter listing only
};

// The order a service lists keys in. S3 ("UTF-8 binary order") and GCS list by bytes. Azure's
// documentation says "alphabetical order"; Azurite, Microsoft's emulator, sorts by UTF-16 code
// units, which differs from byte order only in putting characters above U+FFFF (4-byte UTF-8)
// before U+E000..U+FFFF (3-byte UTF-8 led by 0xEE / 0xEF).
enum class KeyOrder : std::uint8_t { kBytes, kUtf16CodeUnits };

// True when `a` sorts strictly before `b` in `order` (a strict total order on byte strings).
[[nodiscard]] bool key_before(std::string_view a, std::string_view b, KeyOrder order) noexcept;

// Fetches one page; `token` is "" for the first. Blocking (runs on the lister thread).
using PageFetcher = std::function<Result<Page>(const std::string& token)>;

// A ListStream over a fetcher (the parallel lister of parallel_list.hpp with one request in
// flight). Empty pages with a token (S3 may send them) are skipped rather than handed out. `description` names the
// listing in warnings and errors (e.g. "s3://bucket/prefix"); it must hold no credentials.
std::unique_ptr<ListStream> make_paged_list(PageFetcher fetch, std::string description = {},
                                            KeyOrder order = KeyOrder::kBytes);

}  // namespace tdump::store

#pragma once
// The shape of a bucket's key names: how often each byte occurs at each place of a name, a place
// being (the '/'-separated segment, the byte's offset inside that segment). Learned from sampled
// keys (a shard plan's pages), it measures where a key lies in the key space — its share of the
// space, as if each place were drawn on its own with the frequencies seen there (arithmetic
// coding's interval arithmetic) — and finds the key at a share.
//
// Why: one alphabet for every byte (digits, capitals, lower case, '_', '/', '.') puts most of a
// tree's key space where no key can be. In `tiles/<zone>/<band>/<square>/...` the middle between
// band E and band F of a zone is, in one alphabet, `tiles/12/EM...` — after every key of band E
// ('/' sorts first), so a split there leaves all of band E on one side. By place, the byte after
// the band is always '/' (a place with one letter is fixed: it takes no share) and the next is a
// square's first letter: the middle is `tiles/12/E/M...`, inside band E. Frequencies, not only
// letters, because segments vary in length: zones 1..60 put '/' at the zone's second byte for
// one zone in seven, and a zone "6" next to a lone "60" must not be given the room of ten zones.
// Letters of the whole alphabet between the lowest and the highest seen at a place, but not seen
// there, get half a seen letter's mean weight: pages see some letters of a place (zones 16 and 19,
// not 10 to 15), and the keys behind the others must not be squeezed into nothing.
//
// Everything here is an estimate used to choose split keys and range bounds: correctness never
// depends on it (every split key is checked to lie strictly inside its range before use).
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tdump::store {

class KeyShape {
 public:
  // Places kept: segments of a name, and bytes of a segment; bytes past them are measured in the
  // letters of every place together.
  static constexpr std::size_t kMaxSegments = 32;
  static constexpr std::size_t kMaxOffset = 64;

  // What was seen at one place: sorted distinct bytes and how often each was seen.
  struct Letters {
    std::string letters;
    std::vector<std::uint64_t> counts;  // one per letter, each > 0
    bool operator==(const Letters&) const = default;
  };

  KeyShape();  // empty and sealed: measures in printable ASCII

  // learn() the names in byte order, then seal() before measuring (what was learned after the
  // last seal() is not measured yet; assign() seals). A place counts each distinct prefix that ends
  // there once — the subtrees below it, not the names in them — so that a page of a thousand
  // names of one folder weighs that folder's letters once, not a thousand times. Names out of
  // order only make the counts rougher.
  void learn(std::string_view key);
  void seal();
  [[nodiscard]] bool empty() const { return all_.empty(); }

  // Where `key` lies in [0, 1) of the key space after `common` (a prefix of `key`): monotone in
  // byte order.
  [[nodiscard]] double place(std::string_view common, std::string_view key) const;
  // A key after `common` near `where` (clamped to [0, 1]), valid UTF-8, trailing lowest letters
  // trimmed.
  [[nodiscard]] std::string key_at(std::string_view common, double where) const;
  // The key nearest the middle of (lo, hi] (hi nullopt: the end of the key space), strictly
  // between both; nullopt when none is found.
  [[nodiscard]] std::optional<std::string> split(std::string_view common, const std::string& lo,
                                                 const std::optional<std::string>& hi) const;

  // What each place saw, [segment][offset], and the sorted distinct bytes of every place
  // together: what a plan stores, and builds the shape again from.
  [[nodiscard]] const std::vector<std::vector<Letters>>& places() const { return places_; }
  [[nodiscard]] const std::string& alphabet() const { return all_; }
  // From stored places; false (and an empty shape) when a place's letters are not sorted
  // distinct bytes of the alphabet with a positive count each, or the bounds above are exceeded.
  bool assign(std::vector<std::vector<Letters>> places, std::string alphabet);
  void clear();

 private:
  struct Place {
    std::size_t segment = 0;
    std::size_t offset = 0;
    void advance(char c) {
      if (c == '/') {
        ++segment;
        offset = 0;
      } else {
        ++offset;
      }
    }
  };
  // One letter's share of a place: [low, low + width) of [0, 1).
  struct Digit {
    char letter = 0;
    double low = 0;
    double width = 0;
  };
  using Table = std::vector<Digit>;  // by letter; the widths sum to 1

  static Place place_after(std::string_view common);
  [[nodiscard]] const Table& table_at(const Place& at) const;
  [[nodiscard]] Table table_of(const Letters& seen) const;

  std::vector<std::vector<Letters>> places_;  // [segment][offset]
  std::string previous_;                      // the name learned last
  std::string all_;                           // sorted distinct bytes of every place
  std::bitset<256> all_seen_;
  // Built by seal(): one table a place, and one for places not seen (every letter alike).
  std::vector<std::vector<Table>> tables_;
  Table other_;
};

}  // namespace tdump::store

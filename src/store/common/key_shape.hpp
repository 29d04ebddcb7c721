#pragma once
// The shape of a bucket's key names: which bytes occur at each place of a name, a place being
// (the '/'-separated segment, the byte's offset inside that segment). Learned from sampled keys
// (a shard plan's pages), it measures where a key lies in the key space and finds keys at a place
// in a mixed radix, each byte a digit in the letters its place really takes.
//
// Why: one alphabet for every byte (digits, capitals, lower case, '_', '/', '.') puts most of a
// tree's key space where no key can be. In `tiles/<zone>/<band>/<square>/...` the middle between
// band E and band F of a zone is, in one alphabet, `tiles/12/EM...` — after every key of band E
// ('/' sorts first), so a split there leaves all of band E on one side. By place, the byte after
// the band is always '/' (a place with one letter is taken as fixed) and the next is a square's
// first letter: the middle is `tiles/12/E/M...`, inside band E. A flat folder of hex names has
// the same sixteen letters at every place and is measured as with one alphabet.
//
// Everything here is an estimate used to choose split keys and range bounds: correctness never
// depends on it (every split key is checked to lie strictly inside its range before use).
#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tdump::store {

// Where byte `c` stands among `letters` (sorted distinct bytes), as a digit: a byte that is not
// one of them falls halfway between its neighbours.
double letter_digit(std::string_view letters, unsigned char c);

class KeyShape {
 public:
  // Places kept: segments of a name, and bytes of a segment; bytes past them are measured in the
  // letters of every place together.
  static constexpr std::size_t kMaxSegments = 32;
  static constexpr std::size_t kMaxOffset = 64;

  void learn(std::string_view key);
  [[nodiscard]] bool empty() const { return all_.empty(); }

  // Where `key` lies in [0, 1) of the key space after `common` (a prefix of `key`), over the first
  // 8 bytes that have a choice of letters: monotone in byte order, up to ties, for names whose
  // bytes were seen at their places (an unseen byte counts halfway between its neighbours).
  [[nodiscard]] double place(std::string_view common, std::string_view key) const;
  // A key after `common` near `where` (clamped to [0, 1]), valid UTF-8, trailing lowest letters
  // trimmed.
  [[nodiscard]] std::string key_at(std::string_view common, double where) const;
  // The key nearest the middle of (lo, hi] (hi nullopt: the end of the key space), strictly
  // between both; nullopt when none is found.
  [[nodiscard]] std::optional<std::string> split(std::string_view common, const std::string& lo,
                                                 const std::optional<std::string>& hi) const;

  // The letters (sorted distinct bytes) of each place, [segment][offset], and of every place
  // together: what a plan stores, and builds the shape again from.
  [[nodiscard]] const std::vector<std::vector<std::string>>& places() const { return letters_; }
  [[nodiscard]] const std::string& alphabet() const { return all_; }
  // From stored letters; false (and an empty shape) when they are not sorted distinct bytes or
  // exceed the bounds above.
  bool assign(std::vector<std::vector<std::string>> places, std::string alphabet);
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
  static Place place_after(std::string_view common);
  // The letters of a place: its own when it was seen, else every place's.
  [[nodiscard]] const std::string& letters_at(const Place& at) const;
  static void add(std::string& letters, std::bitset<256>& seen, unsigned char c);

  std::vector<std::vector<std::string>> letters_;    // [segment][offset], sorted distinct bytes
  std::vector<std::vector<std::bitset<256>>> seen_;  // same shape, for learn()
  std::string all_;                                  // sorted distinct bytes of every place
  std::bitset<256> all_seen_;
};

}  // namespace tdump::store

#include "store/common/key_shape.hpp"

#include <algorithm>
#include <cmath>

#include "store/common/display_key.hpp"

namespace tdump::store {
namespace {

constexpr std::size_t kDigits = 8;     // bytes with a choice of letters that place a key
constexpr std::size_t kMaxBytes = 96;  // bytes after the common prefix a key is made of at most
constexpr std::size_t kMaxLearned = 1024;

bool byte_less_char(char a, char b) {
  return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
}

const std::string& printable_ascii() {
  static const std::string letters = [] {
    std::string all;
    for (int c = 0x20; c < 0x7f; ++c) all.push_back(static_cast<char>(c));
    return all;
  }();
  return letters;
}

bool sorted_distinct(const std::string& letters) {
  return std::adjacent_find(letters.begin(), letters.end(), [](char a, char b) { return !byte_less_char(a, b); }) ==
         letters.end();
}

}  // namespace

double letter_digit(std::string_view letters, unsigned char c) {
  if (letters.empty()) return 0;
  auto it = std::lower_bound(letters.begin(), letters.end(), static_cast<char>(c), byte_less_char);
  double index = static_cast<double>(it - letters.begin());
  if (it == letters.end() || static_cast<unsigned char>(*it) != c) index -= 0.5;
  return std::clamp(index, 0.0, static_cast<double>(letters.size()) - 1.0);
}

void KeyShape::add(std::string& letters, std::bitset<256>& seen, unsigned char c) {
  if (seen[c]) return;
  seen[c] = true;
  letters.insert(std::lower_bound(letters.begin(), letters.end(), static_cast<char>(c), byte_less_char),
                 static_cast<char>(c));
}

void KeyShape::learn(std::string_view key) {
  Place at;
  for (std::size_t i = 0; i < key.size() && i < kMaxLearned; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    add(all_, all_seen_, c);
    if (at.segment < kMaxSegments && at.offset < kMaxOffset) {
      if (letters_.size() <= at.segment) {
        letters_.resize(at.segment + 1);
        seen_.resize(at.segment + 1);
      }
      auto& segment = letters_[at.segment];
      if (segment.size() <= at.offset) {
        segment.resize(at.offset + 1);
        seen_[at.segment].resize(at.offset + 1);
      }
      add(segment[at.offset], seen_[at.segment][at.offset], c);
    }
    at.advance(key[i]);
  }
}

void KeyShape::clear() {
  letters_.clear();
  seen_.clear();
  all_.clear();
  all_seen_.reset();
}

bool KeyShape::assign(std::vector<std::vector<std::string>> places, std::string alphabet) {
  clear();
  if (places.size() > kMaxSegments || alphabet.size() > 256 || !sorted_distinct(alphabet)) return false;
  for (const auto& segment : places) {
    if (segment.size() > kMaxOffset) return false;
    for (const auto& letters : segment) {
      if (letters.size() > 256 || !sorted_distinct(letters)) return false;
    }
  }
  letters_ = std::move(places);
  all_ = std::move(alphabet);
  seen_.resize(letters_.size());
  for (std::size_t s = 0; s < letters_.size(); ++s) {
    seen_[s].resize(letters_[s].size());
    for (std::size_t o = 0; o < letters_[s].size(); ++o) {
      for (const char c : letters_[s][o]) seen_[s][o][static_cast<unsigned char>(c)] = true;
    }
  }
  for (const char c : all_) all_seen_[static_cast<unsigned char>(c)] = true;
  return true;
}

KeyShape::Place KeyShape::place_after(std::string_view common) {
  Place at;
  for (const char c : common) at.advance(c);
  return at;
}

const std::string& KeyShape::letters_at(const Place& at) const {
  if (at.segment < letters_.size() && at.offset < letters_[at.segment].size() &&
      !letters_[at.segment][at.offset].empty()) {
    return letters_[at.segment][at.offset];
  }
  return all_.size() >= 2 ? all_ : printable_ascii();
}

double KeyShape::place(std::string_view common, std::string_view key) const {
  Place at = place_after(common);
  double value = 0;
  double scale = 1;
  std::size_t digits = 0;
  for (std::size_t i = common.size(); i < key.size() && digits < kDigits && i < common.size() + kMaxBytes; ++i) {
    const std::string& letters = letters_at(at);
    // A place with one letter is fixed: it tells keys of the shape apart from none.
    if (letters.size() >= 2) {
      scale /= static_cast<double>(letters.size());
      value += letter_digit(letters, static_cast<unsigned char>(key[i])) * scale;
      ++digits;
    }
    at.advance(key[i]);
  }
  return value;
}

std::string KeyShape::key_at(std::string_view common, double where) const {
  where = std::clamp(where, 0.0, 1.0);
  std::string key(common);
  std::string lowest;  // the lowest letter of each byte's place
  Place at = place_after(common);
  for (std::size_t digits = 0; digits < kDigits && key.size() < common.size() + kMaxBytes;) {
    const std::string& letters = letters_at(at);
    char c = letters.front();
    if (letters.size() >= 2) {
      const double base = static_cast<double>(letters.size());
      where *= base;
      const double whole = std::floor(where);
      c = letters[static_cast<std::size_t>(std::clamp(whole, 0.0, base - 1))];
      where -= whole;
      ++digits;
    }
    key.push_back(c);
    lowest.push_back(letters.front());
    at.advance(c);
  }
  // Trailing lowest letters add nothing to a boundary ("7000" and "7" split alike).
  while (key.size() > common.size() + 1 && key.back() == lowest.back()) {
    key.pop_back();
    lowest.pop_back();
  }
  // A listing's start key must be UTF-8 (S3 and GCS take UTF-8 names): cut back to a valid
  // prefix, still a boundary in the key space.
  while (key.size() > common.size() && !is_valid_utf8(key)) key.pop_back();
  return key;
}

std::optional<std::string> KeyShape::split(std::string_view common, const std::string& lo,
                                           const std::optional<std::string>& hi) const {
  const double from = place(common, lo);
  const double to = hi ? place(common, *hi) : 1.0;
  if (to <= from) return std::nullopt;
  std::string key = key_at(common, (from + to) / 2);
  if (!(lo < key) || (hi && !(key < *hi))) return std::nullopt;
  return key;
}

}  // namespace tdump::store

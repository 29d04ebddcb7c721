#include "store/common/key_shape.hpp"

#include <algorithm>
#include <cmath>

#include "store/common/display_key.hpp"

namespace tdump::store {
namespace {

constexpr std::size_t kMaxBytes = 96;  // bytes after the common prefix a key is measured or made of
constexpr std::size_t kMaxLearned = 1024;
// A key is made until its share of the key space is this fine (about 1e-12 of it).
constexpr double kFinest = 1e-12;

bool byte_less_char(char a, char b) {
  return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
}

bool sorted_distinct(std::string_view letters) {
  return std::adjacent_find(letters.begin(), letters.end(), [](char a, char b) { return !byte_less_char(a, b); }) ==
         letters.end();
}

}  // namespace

void KeyShape::learn(std::string_view key) {
  // The bytes this name shares with the one before: their prefixes were counted already.
  std::size_t shared = 0;
  while (shared < key.size() && shared < previous_.size() && key[shared] == previous_[shared]) ++shared;
  Place at;
  for (std::size_t i = 0; i < key.size() && i < kMaxLearned; ++i) {
    const char c = key[i];
    if (i < shared) {
      at.advance(c);
      continue;
    }
    if (!all_seen_[static_cast<unsigned char>(c)]) {
      all_seen_[static_cast<unsigned char>(c)] = true;
      all_.insert(std::lower_bound(all_.begin(), all_.end(), c, byte_less_char), c);
    }
    if (at.segment < kMaxSegments && at.offset < kMaxOffset) {
      if (places_.size() <= at.segment) places_.resize(at.segment + 1);
      auto& segment = places_[at.segment];
      if (segment.size() <= at.offset) segment.resize(at.offset + 1);
      Letters& seen = segment[at.offset];
      const auto it = std::lower_bound(seen.letters.begin(), seen.letters.end(), c, byte_less_char);
      const auto index = static_cast<std::size_t>(it - seen.letters.begin());
      if (it == seen.letters.end() || *it != c) {
        seen.letters.insert(it, c);
        seen.counts.insert(seen.counts.begin() + static_cast<std::ptrdiff_t>(index), 0);
      }
      ++seen.counts[index];
    }
    at.advance(c);
  }
  previous_.assign(key.substr(0, std::min(key.size(), kMaxLearned)));
}

KeyShape::Table KeyShape::table_of(const Letters& seen) const {
  Table table;
  if (seen.letters.empty()) return table;
  // Every letter of the alphabet from the lowest to the highest seen here; one not seen here
  // weighs half a seen letter's mean.
  double total = 0;
  for (const auto count : seen.counts) total += static_cast<double>(count);
  const double unseen = 0.5 * total / static_cast<double>(seen.letters.size());
  const auto from = std::lower_bound(all_.begin(), all_.end(), seen.letters.front(), byte_less_char);
  const auto to = std::upper_bound(all_.begin(), all_.end(), seen.letters.back(), byte_less_char);
  std::size_t k = 0;
  std::vector<double> counts;
  for (auto it = from; it < to; ++it) {
    double count = 0;
    if (k < seen.letters.size() && seen.letters[k] == *it) count = static_cast<double>(seen.counts[k++]);
    counts.push_back(count);
    table.push_back(Digit{*it, 0, count > 0 ? count : unseen});
  }
  // Counts that sampling alone could have drawn from equal shares (Pearson's chi-squared within
  // three standard deviations of its mean): equal shares, which is what the sample says, without
  // its noise (a flat folder of hex names, sampled in pages, would otherwise get lopsided ranges).
  const double mean = total / static_cast<double>(counts.size());
  double chi2 = 0;
  for (const double count : counts) chi2 += (count - mean) * (count - mean) / mean;
  const double freedom = static_cast<double>(counts.size()) - 1;
  if (freedom > 0 && chi2 <= freedom + 3 * std::sqrt(2 * freedom)) {
    for (auto& digit : table) digit.width = 1;
  }
  double sum = 0;
  for (const auto& digit : table) sum += digit.width;
  double low = 0;
  for (auto& digit : table) {
    digit.width /= sum;
    digit.low = low;
    low += digit.width;
  }
  return table;
}

void KeyShape::seal() {
  tables_.assign(places_.size(), {});
  for (std::size_t s = 0; s < places_.size(); ++s) {
    for (const auto& seen : places_[s]) tables_[s].push_back(table_of(seen));
  }
  // Places not seen: every letter of the alphabet alike (printable ASCII when it has fewer than two).
  std::string letters = all_;
  if (letters.size() < 2) {
    letters.clear();
    for (int c = 0x20; c < 0x7f; ++c) letters.push_back(static_cast<char>(c));
  }
  other_.clear();
  for (std::size_t i = 0; i < letters.size(); ++i) {
    const double width = 1.0 / static_cast<double>(letters.size());
    other_.push_back(Digit{letters[i], static_cast<double>(i) * width, width});
  }
}

KeyShape::KeyShape() {
  seal();
}

void KeyShape::clear() {
  previous_.clear();
  places_.clear();
  all_.clear();
  all_seen_.reset();
  seal();
}

bool KeyShape::assign(std::vector<std::vector<Letters>> places, std::string alphabet) {
  clear();
  if (places.size() > kMaxSegments || alphabet.size() > 256 || !sorted_distinct(alphabet)) return false;
  for (const auto& segment : places) {
    if (segment.size() > kMaxOffset) return false;
    for (const auto& seen : segment) {
      if (seen.letters.size() != seen.counts.size() || !sorted_distinct(seen.letters)) return false;
      if (std::any_of(seen.counts.begin(), seen.counts.end(), [](std::uint64_t n) { return n == 0; })) return false;
      // A place's letters are letters of the whole alphabet.
      for (const char c : seen.letters) {
        if (!std::binary_search(alphabet.begin(), alphabet.end(), c, byte_less_char)) return false;
      }
    }
  }
  places_ = std::move(places);
  all_ = std::move(alphabet);
  for (const char c : all_) all_seen_[static_cast<unsigned char>(c)] = true;
  seal();
  return true;
}

KeyShape::Place KeyShape::place_after(std::string_view common) {
  Place at;
  for (const char c : common) at.advance(c);
  return at;
}

const KeyShape::Table& KeyShape::table_at(const Place& at) const {
  if (at.segment < tables_.size() && at.offset < tables_[at.segment].size() &&
      !tables_[at.segment][at.offset].empty()) {
    return tables_[at.segment][at.offset];
  }
  return other_;
}

double KeyShape::place(std::string_view common, std::string_view key) const {
  Place at = place_after(common);
  double value = 0;
  double scale = 1;
  for (std::size_t i = common.size(); i < key.size() && i < common.size() + kMaxBytes && scale > kFinest; ++i) {
    const Table& table = table_at(at);
    const auto it = std::lower_bound(table.begin(), table.end(), key[i],
                                     [](const Digit& d, char c) { return byte_less_char(d.letter, c); });
    if (it == table.end() || it->letter != key[i]) {
      // A byte this place never takes: the key sorts at the boundary before the next letter's
      // share (or at the end), and nothing after it tells more.
      value += scale * (it == table.end() ? 1.0 : it->low);
      break;
    }
    value += scale * it->low;
    scale *= it->width;
    at.advance(key[i]);
  }
  return std::min(value, std::nextafter(1.0, 0.0));
}

std::string KeyShape::key_at(std::string_view common, double where) const {
  where = std::clamp(where, 0.0, 1.0);
  std::string key(common);
  std::string lowest;  // the lowest letter of each byte's place
  Place at = place_after(common);
  for (double scale = 1; scale > kFinest && key.size() < common.size() + kMaxBytes;) {
    const Table& table = table_at(at);
    // The letter whose share holds `where`.
    auto it = std::upper_bound(table.begin(), table.end(), where, [](double w, const Digit& d) { return w < d.low; });
    if (it != table.begin()) --it;
    where = it->width > 0 ? std::clamp((where - it->low) / it->width, 0.0, 1.0) : 0.0;
    scale *= it->width;
    key.push_back(it->letter);
    lowest.push_back(table.front().letter);
    at.advance(it->letter);
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

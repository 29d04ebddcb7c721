#include "tiff/fetcher.hpp"

namespace tdump::tiff {

Status HeaderFetcher::fetch(const RangeReader& read, std::optional<std::uint64_t> file_size) {
  session_.begin(file_size);
  while (session_.state() == SessionState::kNeedBytes) {
    const auto round = session_.round();
    for (std::size_t i = 0; i < round.size(); ++i) {
      std::string& buffer = session_.buffer(i);
      buffer.resize(static_cast<std::size_t>(round[i].length));
      current_read_ = i;
      auto got = read(round[i].offset, std::span(reinterpret_cast<std::uint8_t*>(buffer.data()), buffer.size()));
      if (!got.ok()) return std::move(got).error();
      buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(*got, buffer.size())));
    }
    session_.complete_round();
  }
  if (session_.state() == SessionState::kFailed) return session_.error().to_error();
  return {};
}

Status HeaderFetcher::fetch(const RangeReader& read, std::optional<std::uint64_t> file_size, TiffHeader& out,
                            FetchStats& stats) {
  Status status = fetch(read, file_size);
  out = session_.header();
  stats = this->stats();
  return status;
}

}  // namespace tdump::tiff

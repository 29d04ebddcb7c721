#include "store/common/server_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/ascii.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

constexpr std::size_t kMinSecretBytes = 6;
constexpr std::string_view kRedacted = "[redacted]";

std::string cut_marker(std::size_t original_size) {
  return " [... cut, " + std::to_string(original_size) + " bytes in all]";
}

// The forms of one secret worth searching for.
void add_forms(std::vector<std::string>& out, std::string_view secret) {
  auto add = [&out](std::string_view value) {
    if (value.size() < kMinSecretBytes) return;
    if (std::find(out.begin(), out.end(), value) == out.end()) out.emplace_back(value);
  };
  add(secret);
  if (secret.find('%') != std::string_view::npos) add(percent_decode(secret));
  add(percent_encode(secret, false));  // as a form body or a query carries it
  // Authorization schemes: the credential after the scheme name.
  if (const auto space = secret.find(' '); space != std::string_view::npos) {
    const auto scheme = ascii_lower(secret.substr(0, space));
    const auto rest = secret.substr(space + 1);
    if (scheme == "bearer" || scheme == "basic") add(rest);
    if (scheme == "sharedkey" || scheme == "sharedkeylite") {
      if (const auto colon = rest.find(':'); colon != std::string_view::npos) add(rest.substr(colon + 1));
    }
    if (const auto sig = rest.find("Signature="); sig != std::string_view::npos) {
      add(rest.substr(sig + 10, rest.find_first_of(", ", sig + 10) - (sig + 10)));
    }
  }
}

// Length of the well-formed UTF-8 sequence at text[i] (1..4), or 0.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

void append_hex_escape(std::string& out, std::uint8_t byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 15];
}

bool is_secret_param(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "sig",  "x-amz-signature", "x-amz-security-token", "x-goog-signature", "access_token", "token",
      "code", "signature"};
  return std::any_of(kNames.begin(), kNames.end(), [&](std::string_view n) { return ascii_iequals(n, name); });
}

}  // namespace

std::string server_text(std::string_view text, std::span<const std::string> secrets, std::size_t max_bytes) {
  std::vector<std::string> forms;
  for (const auto& secret : secrets) add_forms(forms, secret);
  std::size_t longest = 0;
  for (const auto& form : forms) longest = std::max(longest, form.size());
  // Work on a window only: what follows it could never reach the output (each escape is at
  // least as long as its byte), and a secret starting inside the kept part ends inside it.
  const std::size_t original_size = text.size();
  if (text.size() > max_bytes + longest + 1) text = text.substr(0, max_bytes + longest + 1);
  std::string redacted(text);
  for (const auto& form : forms) {
    for (auto at = redacted.find(form); at != std::string::npos; at = redacted.find(form, at + kRedacted.size())) {
      redacted.replace(at, form.size(), kRedacted);
    }
  }

  std::string out;
  out.reserve(std::min(redacted.size(), max_bytes) + 32);
  std::size_t i = 0;
  std::string piece;
  while (i < redacted.size()) {
    piece.clear();
    const auto byte = static_cast<std::uint8_t>(redacted[i]);
    const std::size_t length = sequence_length(redacted, i);
    if (length == 0 || (length == 1 && (byte < 0x20 || byte == 0x7F))) {  // not UTF-8, or C0 / DEL
      append_hex_escape(piece, byte);
      i += 1;
    } else if (length == 2 && byte == 0xC2 && static_cast<std::uint8_t>(redacted[i + 1]) <= 0x9F) {  // C1
      append_hex_escape(piece, byte);
      append_hex_escape(piece, static_cast<std::uint8_t>(redacted[i + 1]));
      i += 2;
    } else {
      piece.assign(redacted, i, length);
      i += length;
    }
    if (out.size() + piece.size() > max_bytes) {
      out += cut_marker(original_size);
      return out;
    }
    out += piece;
  }
  if (original_size > text.size()) out += cut_marker(original_size);
  return out;
}

std::vector<std::string> request_secrets(const http::Request& request) {
  std::vector<std::string> out;
  for (const auto& field : request.headers) {
    if (ascii_iequals(field.name, "authorization") || ascii_iequals(field.name, "proxy-authorization") ||
        ascii_iequals(field.name, "x-amz-security-token")) {
      if (!field.value.empty()) out.push_back(field.value);
    }
  }
  const auto q = request.url.find('?');
  if (q != std::string::npos) {
    std::string_view query(request.url);
    query = query.substr(q + 1, query.find('#', q) - (q + 1));
    auto more = query_secrets(query);
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return out;
}

std::vector<std::string> query_secrets(std::string_view query) {
  std::vector<std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() && is_secret_param(percent_decode(pair.substr(0, eq)))) {
      out.emplace_back(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string shorten_query_values(std::string_view url) {
  constexpr std::size_t kLongValue = 64;
  constexpr std::size_t kShownBytes = 16;
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, q + 1));
  std::string_view query = url.substr(q + 1);
  while (true) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.size() - eq - 1 > kLongValue) {
      out.append(pair.substr(0, eq + 1 + kShownBytes));
      out += "...(" + std::to_string(pair.size() - eq - 1) + " bytes)";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace tdump::store

#include "store/common/oauth_token.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "store/common/http_response.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

bool is_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool looks_like_code(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!is_code_char(c)) return false;
  }
  return true;
}

// A JSON number or a string of digits, as an integer.
std::optional<std::int64_t> integer_field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) {
    // Saturated: a double outside int64's range does not convert (undefined behaviour; 1e300).
    const double value = it->get<double>();
    constexpr double kLimit = 9.2e18;
    return static_cast<std::int64_t>(std::clamp(value, -kLimit, kLimit));
  }
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc{} && end == text.data() + text.size()) return value;
  }
  return std::nullopt;
}

bool is_secret_char(char c) {
  return is_code_char(c) || c == '+' || c == '/' || c == '=' || c == '~';
}

}  // namespace

std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    percent_encode_append(out, name, false);
    out += '=';
    percent_encode_append(out, value, false);
  }
  return out;
}

std::string url_for_messages(std::string_view url) {
  auto cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

http::Request credential_request(std::string method, std::string url) {
  http::Request request;
  request.method = std::move(method);
  request.display_url = url_for_messages(url);
  request.url = std::move(url);
  request.max_body_bytes = kCredentialBodyCap;
  request.headers.push_back({"accept", "application/json"});
  return request;
}

std::string safe_error_code(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return {};
  std::string code;
  if (auto e = json.find("error"); e != json.end()) {
    if (e->is_string() && looks_like_code(e->get_ref<const std::string&>())) {
      code = e->get<std::string>();  // OAuth 2.0 (RFC 6749 5.2), Azure AD
    } else if (e->is_object()) {     // Google APIs: {"error": {"code": 403, "status": "PERMISSION_DENIED"}}
      if (auto s = e->find("status");
          s != e->end() && s->is_string() && looks_like_code(s->get_ref<const std::string&>())) {
        code = s->get<std::string>();
      }
    }
  }
  // Azure AD adds its numeric AADSTS codes; they say what is wrong without repeating anything.
  if (auto codes = json.find("error_codes");
      codes != json.end() && codes->is_array() && !codes->empty() && codes->front().is_number_integer()) {
    std::string aadsts = "AADSTS" + std::to_string(codes->front().get<std::int64_t>());
    code = code.empty() ? aadsts : code + " " + aadsts;
  }
  return code;
}

void fetch_credential(http::Engine& engine, http::Request request, std::string what,
                      std::function<void(Result<http::Response>)> done) {
  engine.submit(std::move(request), [what = std::move(what), done = std::move(done)](Result<http::Response> response) {
    if (!response) {
      done(annotate_transport_error(std::move(response).error(), what));
      return;
    }
    const int status = response->status;
    if (status >= 300 && status < 400) {
      Error error = make_error(ErrorCode::kPermissionDenied,
                               what + ": the endpoint answered " + std::to_string(status) +
                                   " (a redirect); credential endpoints are never followed to another address");
      error.http_status = status;
      error.attempts = response->attempts;
      done(std::move(error));
      return;
    }
    if (status < 200 || status >= 300) {
      Error error;
      error.http_status = status;
      error.attempts = response->attempts;
      error.remote_code = safe_error_code(response->body);
      error.code = (status == 400 || status == 401 || status == 403) ? ErrorCode::kPermissionDenied
                   : status == 404                                   ? ErrorCode::kNotFound
                                                                     : ErrorCode::kHttp;
      error.message = what + ": the endpoint answered " + std::to_string(status);
      if (!error.remote_code.empty()) error.message += " (" + error.remote_code + ")";
      done(std::move(error));
      return;
    }
    if (response->body_capped) {
      done(make_error(ErrorCode::kLimit,
                      what + ": the answer is larger than " + std::to_string(kCredentialBodyCap) + " bytes"));
      return;
    }
    done(std::move(*response));
  });
}

bool is_header_safe_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxAccessTokenBytes) return false;
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Result<Expiring<BearerCredential>> parse_bearer_json(std::string_view body, CredentialClock::time_point now,
                                                     std::string_view what, std::chrono::seconds default_lifetime) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer is not a JSON object");
  }
  std::string token;
  for (const char* name : {"access_token", "accessToken", "token"}) {
    if (auto it = json.find(name); it != json.end() && it->is_string()) {
      token = it->get<std::string>();
      break;
    }
  }
  if (token.empty()) return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no access token");
  if (!is_header_safe_token(token)) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the access token in the answer is malformed");
  }
  Expiring<BearerCredential> out{BearerCredential{std::move(token)}, std::nullopt};
  constexpr std::int64_t kWeek = std::int64_t{7} * 24 * 3600;
  if (auto in = integer_field(json, "expires_in")) {
    if (*in <= 0 || *in > kWeek) {
      return make_error(ErrorCode::kParse, std::string(what) + ": expires_in " + std::to_string(*in) +
                                               " is not a lifetime between 1 second and a week");
    }
    out.expires = now + std::chrono::seconds(*in);
  } else if (auto on = integer_field(json, "expires_on")) {
    out.expires = credential_time(std::chrono::seconds(*on));
  } else if (auto it = json.find("expireTime"); it != json.end() && it->is_string()) {
    auto us = parse_iso8601_us(it->get_ref<const std::string&>());
    if (!us) return make_error(ErrorCode::kParse, std::string(what) + ": expireTime is not an RFC 3339 time");
    out.expires = credential_time(std::chrono::microseconds(*us));
  } else {
    out.expires = now + default_lifetime;
  }
  if (*out.expires > now + std::chrono::seconds(kWeek)) out.expires = now + std::chrono::seconds(kWeek);
  return out;
}

std::string redact_secrets(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && is_secret_char(text[j])) ++j;
    if (j - i >= 24) {
      out += "...";
      i = j;
      continue;
    }
    if (j == i) {
      char c = text[i];
      out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
      ++i;
    } else {
      out.append(text.substr(i, j - i));
      i = j;
    }
  }
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

}  // namespace tdump::store

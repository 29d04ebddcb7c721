#include "store/gcs/google_credentials.hpp"

#include <nlohmann/json.hpp>

#include "store/common/crypto.hpp"
#include "store/common/oauth_token.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

constexpr std::string_view kTokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
constexpr std::size_t kMaxSubjectHeaders = 32;

std::string string_field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool bool_field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  return it != json.end() && it->is_boolean() && it->get<bool>();
}

Error bad_file(std::string_view source, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, "the Google credentials from " + std::string(source) + " " + what);
}

Status parse_external_account(const nlohmann::json& json, std::string_view source, GoogleCredentials& out) {
  out.audience = string_field(json, "audience");
  out.subject_token_type = string_field(json, "subject_token_type");
  out.token_uri = string_field(json, "token_url");
  out.impersonation_url = string_field(json, "service_account_impersonation_url");
  out.workforce_pool_user_project = string_field(json, "workforce_pool_user_project");
  if (out.audience.empty() || out.subject_token_type.empty() || out.token_uri.empty()) {
    return bad_file(source, "(external_account) lack audience, subject_token_type or token_url");
  }
  if (auto impersonation = json.find("service_account_impersonation");
      impersonation != json.end() && impersonation->is_object()) {
    if (auto lifetime = impersonation->find("token_lifetime_seconds");
        lifetime != impersonation->end() && lifetime->is_number_integer()) {
      out.impersonation_lifetime_seconds = lifetime->get<std::int64_t>();
      // The range Google documents for token_lifetime_seconds.
      if (out.impersonation_lifetime_seconds < 600 || out.impersonation_lifetime_seconds > 43200) {
        return bad_file(source, "(external_account) have a token_lifetime_seconds outside 600..43200");
      }
    }
  }
  auto cs = json.find("credential_source");
  if (cs == json.end() || !cs->is_object()) return bad_file(source, "(external_account) lack credential_source");
  if (cs->contains("executable")) {
    return make_error(ErrorCode::kUnsupported,
                      "the external_account credentials from " + std::string(source) +
                          " get their subject token from a program (credential_source.executable), which "
                          "tiff-dumper does not run; use a file- or URL-sourced configuration");
  }
  if (cs->contains("environment_id")) {
    return make_error(ErrorCode::kUnsupported,
                      "the external_account credentials from " + std::string(source) +
                          " are AWS-sourced (credential_source.environment_id), which tiff-dumper does not "
                          "support; use a file- or URL-sourced configuration");
  }
  if (cs->contains("certificate")) {
    return make_error(ErrorCode::kUnsupported, "the external_account credentials from " + std::string(source) +
                                                   " use an X.509 certificate (credential_source.certificate), "
                                                   "which tiff-dumper does not support");
  }
  out.subject_source.file = string_field(*cs, "file");
  out.subject_source.url = string_field(*cs, "url");
  if (out.subject_source.file.empty() == out.subject_source.url.empty()) {
    return bad_file(source, "(external_account) need exactly one of credential_source.file and credential_source.url");
  }
  if (auto headers = cs->find("headers"); headers != cs->end()) {
    if (!headers->is_object() || headers->size() > kMaxSubjectHeaders) {
      return bad_file(source, "(external_account) have credential_source.headers that are not a small object");
    }
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) return bad_file(source, "(external_account) have a non-text credential_source header");
      out.subject_source.headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (auto format = cs->find("format"); format != cs->end()) {
    if (!format->is_object())
      return bad_file(source, "(external_account) have a credential_source.format that is not an object");
    std::string type = string_field(*format, "type");
    if (!type.empty()) out.subject_source.format = type;
    out.subject_source.json_field = string_field(*format, "subject_token_field_name");
    if (out.subject_source.format != "text" && out.subject_source.format != "json") {
      return bad_file(source, "(external_account) have credential_source.format.type '" + out.subject_source.format +
                                  "' (expected text or json)");
    }
    if (out.subject_source.format == "json" && out.subject_source.json_field.empty()) {
      return bad_file(source, "(external_account) have format json without subject_token_field_name");
    }
  }
  return {};
}

Result<GoogleCredentials> parse_object(const nlohmann::json& json, std::string_view source, int depth) {
  GoogleCredentials out;
  out.type = string_field(json, "type");
  out.client_email = string_field(json, "client_email");
  out.private_key = string_field(json, "private_key");
  out.private_key_id = string_field(json, "private_key_id");
  out.client_id = string_field(json, "client_id");
  out.client_secret = string_field(json, "client_secret");
  out.refresh_token = string_field(json, "refresh_token");
  out.token_uri = string_field(json, "token_uri");
  out.gcs_base_url = string_field(json, "gcs_base_url");
  out.disable_oauth = bool_field(json, "disable_oauth");
  if (out.type.empty() && !out.private_key.empty()) out.type = "service_account";
  if (out.type == "service_account") {
    if (!out.disable_oauth && (out.client_email.empty() || out.private_key.empty())) {
      return bad_file(source, "(service account key) lack client_email or private_key");
    }
  } else if (out.type == "authorized_user") {
    if (out.client_id.empty() || out.client_secret.empty() || out.refresh_token.empty()) {
      return bad_file(source, "(authorized_user) lack client_id, client_secret or refresh_token");
    }
  } else if (out.type == "external_account") {
    auto status = parse_external_account(json, source, out);
    if (!status) return std::move(status).error();
    return out;  // token_uri is the STS token_url
  } else if (out.type == "impersonated_service_account") {
    out.impersonation_url = string_field(json, "service_account_impersonation_url");
    if (out.impersonation_url.empty()) {
      return bad_file(source, "(impersonated_service_account) lack service_account_impersonation_url");
    }
    if (auto delegates = json.find("delegates"); delegates != json.end() && delegates->is_array()) {
      for (const auto& d : *delegates) {
        if (d.is_string()) out.delegates.push_back(d.get<std::string>());
      }
    }
    auto nested = json.find("source_credentials");
    if (nested == json.end() || !nested->is_object()) {
      return bad_file(source, "(impersonated_service_account) lack source_credentials");
    }
    if (depth > 0) return bad_file(source, "(impersonated_service_account) nest impersonations");
    auto inner = parse_object(*nested, std::string(source) + " (source_credentials)", depth + 1);
    if (!inner) return std::move(inner).error();
    if (inner->type != "service_account" && inner->type != "authorized_user") {
      return make_error(ErrorCode::kUnsupported, "the impersonated_service_account credentials from " +
                                                     std::string(source) + " have source_credentials of type '" +
                                                     inner->type + "' (service_account or authorized_user expected)");
    }
    out.source = std::make_shared<const GoogleCredentials>(std::move(*inner));
    return out;
  } else {
    return make_error(ErrorCode::kUnsupported,
                      "Google credentials of type '" + out.type + "' from " + std::string(source) +
                          " are not supported (service_account, authorized_user, external_account or "
                          "impersonated_service_account)");
  }
  if (out.token_uri.empty()) out.token_uri = std::string(kGoogleTokenUri);
  return out;
}

}  // namespace

Result<GoogleCredentials> parse_google_credentials(std::string_view json_text, std::string_view source) {
  auto json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Google credentials from " + std::string(source) + " are not a JSON object");
  }
  return parse_object(json, source, 0);
}

Result<std::string> make_service_account_jwt(const GoogleCredentials& credentials, std::time_t now,
                                             std::string_view scope) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!credentials.private_key_id.empty()) header["kid"] = credentials.private_key_id;
  nlohmann::json claims = {{"iss", credentials.client_email},
                           {"scope", scope},
                           {"aud", credentials.token_uri},
                           {"iat", static_cast<std::int64_t>(now)},
                           {"exp", static_cast<std::int64_t>(now) + 3600}};
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  auto signature = rs256_sign(credentials.private_key, signing_input);
  if (!signature) return std::move(signature).error();
  return signing_input + "." + base64url_encode(*signature);
}

std::string jwt_grant_body(std::string_view assertion) {
  return form_body({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}});
}

std::string refresh_grant_body(const GoogleCredentials& credentials) {
  return form_body({{"grant_type", "refresh_token"},
                    {"client_id", credentials.client_id},
                    {"client_secret", credentials.client_secret},
                    {"refresh_token", credentials.refresh_token}});
}

std::string sts_exchange_body(const GoogleCredentials& credentials, std::string_view subject_token,
                              std::string_view scope) {
  std::string body = form_body({{"grant_type", kTokenExchangeGrant},
                                {"audience", credentials.audience},
                                {"scope", scope},
                                {"requested_token_type", kAccessTokenType},
                                {"subject_token", subject_token},
                                {"subject_token_type", credentials.subject_token_type}});
  // Workforce pools bill a project named in "options", unless the client authenticates itself.
  if (!credentials.workforce_pool_user_project.empty() && credentials.client_id.empty()) {
    nlohmann::json options = {{"userProject", credentials.workforce_pool_user_project}};
    body += "&" + form_body({{"options", options.dump()}});
  }
  return body;
}

std::string impersonation_body(const GoogleCredentials& credentials, std::string_view scope) {
  nlohmann::json body = {{"scope", nlohmann::json::array({std::string(scope)})},
                         {"lifetime", std::to_string(credentials.impersonation_lifetime_seconds) + "s"}};
  if (!credentials.delegates.empty()) body["delegates"] = credentials.delegates;
  return body.dump();
}

Result<std::string> subject_token_from(const ExternalSubjectSource& source, std::string_view content,
                                       std::string_view where) {
  std::string token;
  if (source.format == "json") {
    auto json = nlohmann::json::parse(content, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      return make_error(ErrorCode::kParse, "the subject token from " + std::string(where) + " is not a JSON object");
    }
    token = string_field(json, source.json_field.c_str());
    if (token.empty()) {
      return make_error(ErrorCode::kParse, "the subject token from " + std::string(where) + " has no text field '" +
                                               source.json_field + "'");
    }
  } else {
    std::string_view text = content;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' ')) {
      text.remove_prefix(1);
    }
    token = std::string(text);
  }
  if (token.empty()) return make_error(ErrorCode::kParse, "the subject token from " + std::string(where) + " is empty");
  return token;
}

Result<Token> parse_token_response(std::string_view body, std::chrono::steady_clock::time_point now) {
  const auto wall_now = CredentialClock::now();
  auto parsed = parse_bearer_json(body, wall_now, "the OAuth token endpoint");
  if (!parsed) return std::move(parsed).error();
  const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(*parsed->expires - wall_now);
  return Token{std::move(parsed->value.token), now + left};
}

}  // namespace tdump::store

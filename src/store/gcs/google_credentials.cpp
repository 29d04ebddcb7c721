#include "store/gcs/google_credentials.hpp"

#include <nlohmann/json.hpp>

#include "store/common/crypto.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

std::string string_field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

Result<GoogleCredentials> parse_google_credentials(std::string_view json_text, std::string_view source) {
  auto json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Google credentials from " + std::string(source) + " are not a JSON object");
  }
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
  if (out.token_uri.empty()) out.token_uri = std::string(kGoogleTokenUri);
  if (out.type.empty() && !out.private_key.empty()) out.type = "service_account";
  if (out.type == "service_account") {
    if (out.client_email.empty() || out.private_key.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the service account key from " + std::string(source) + " lacks client_email or private_key");
    }
  } else if (out.type == "authorized_user") {
    if (out.client_id.empty() || out.client_secret.empty() || out.refresh_token.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "the authorized_user credentials from " + std::string(source) +
                                                         " lack client_id, client_secret or refresh_token");
    }
  } else {
    return make_error(ErrorCode::kUnsupported, "Google credentials of type '" + out.type + "' from " +
                                                   std::string(source) +
                                                   " are not supported (service_account or authorized_user)");
  }
  return out;
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
  return "grant_type=" + percent_encode("urn:ietf:params:oauth:grant-type:jwt-bearer", false) +
         "&assertion=" + percent_encode(assertion, false);
}

std::string refresh_grant_body(const GoogleCredentials& credentials) {
  return "grant_type=refresh_token&client_id=" + percent_encode(credentials.client_id, false) +
         "&client_secret=" + percent_encode(credentials.client_secret, false) +
         "&refresh_token=" + percent_encode(credentials.refresh_token, false);
}

Result<Token> parse_token_response(std::string_view body, std::chrono::steady_clock::time_point now) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kParse, "the OAuth token endpoint did not answer with a JSON object");
  }
  std::string token = string_field(json, "access_token");
  if (token.empty()) return make_error(ErrorCode::kParse, "the OAuth token response has no access_token");
  std::int64_t expires_in = 3600;
  if (auto it = json.find("expires_in"); it != json.end()) {
    if (it->is_number_integer()) {
      expires_in = it->get<std::int64_t>();
    } else if (it->is_string()) {
      expires_in = std::strtoll(it->get<std::string>().c_str(), nullptr, 10);
    }
  }
  if (expires_in <= 0 || expires_in > std::int64_t{7} * 24 * 3600) expires_in = 3600;
  return Token{std::move(token), now + std::chrono::seconds(expires_in)};
}

}  // namespace tdump::store

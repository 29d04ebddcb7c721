// What the AWS credential fetchers share: the metadata engine, redirect-free sending, the JSON
// credential documents, and error excerpts without secrets.
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <array>
#include <mutex>

#include "http/url_redaction.hpp"
#include "store/common/crypto.hpp"
#include "store/common/time_format.hpp"
#include "store/common/xml.hpp"
#include "store/s3/aws_credential_sources.hpp"

namespace tdump::store::aws {
namespace {

bool token_like(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=' || c == '-' || c == '_' || c == '.' || c == '%';
}

CredentialClock::time_point from_us(std::int64_t us) {
  return credential_time(std::chrono::microseconds(us));
}

}  // namespace

std::shared_ptr<http::Engine> engine_for(std::string_view url, const std::shared_ptr<http::Engine>& main) {
  if (url.substr(0, 7) == "http://") return metadata_engine();
  return main;
}

void send(const std::shared_ptr<http::Engine>& engine, http::Request request, const std::string& what,
          ResponseDone done) {
  if (!engine) {
    done(make_error(ErrorCode::kInternal, what + ": no HTTP engine to send the request"));
    return;
  }
  request.display_url = http::redact_url(request.url);
  if (request.max_body_bytes == 0) request.max_body_bytes = kMaxCredentialBody;
  std::string sent_to = request.display_url;
  engine->submit(std::move(request),
                 [what, sent_to = std::move(sent_to), done = std::move(done)](Result<http::Response> response) {
                   if (!response) {
                     Error error = std::move(response).error();
                     error.message = what + ": " + error.message;
                     done(std::move(error));
                     return;
                   }
                   if ((response->status >= 300 && response->status < 400) ||
                       (!response->effective_url.empty() && response->effective_url != sent_to)) {
                     Error error = make_error(ErrorCode::kPermissionDenied,
                                              what + ": the endpoint answered with a redirect (HTTP " +
                                                  std::to_string(response->status) +
                                                  "); credential endpoints are never followed to another address");
                     error.http_status = response->status;
                     done(std::move(error));
                     return;
                   }
                   if (response->body_capped) {
                     done(make_error(ErrorCode::kLimit,
                                     what + ": answer larger than " + std::to_string(kMaxCredentialBody) + " bytes"));
                     return;
                   }
                   done(std::move(response));
                 });
}

std::string safe_excerpt(std::string_view body, std::initializer_list<std::string_view> secrets) {
  std::string text(body.substr(0, 4096));
  for (auto secret : secrets) {
    if (secret.size() < 4) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "(redacted)");
      at += 10;
    }
  }
  std::string out;
  out.reserve(std::min<std::size_t>(text.size(), 220));
  std::size_t i = 0;
  while (i < text.size() && out.size() < 200) {
    std::size_t run = i;
    while (run < text.size() && token_like(text[run])) ++run;
    if (run - i >= 32) {
      out += "(redacted)";
      i = run;
      continue;
    }
    if (run > i) {
      out.append(text, i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? ' ' : text[i];
    ++i;
  }
  if (out.size() > 200) out.resize(200);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (i < text.size() || body.size() > text.size()) out += "...";
  return out;
}

std::string describe_failure(const http::Response& response, std::initializer_list<std::string_view> secrets) {
  std::string out = "HTTP " + std::to_string(response.status);
  std::string excerpt = safe_excerpt(response.body, secrets);
  if (!excerpt.empty()) out += ": " + excerpt;
  return out;
}

Result<Expiring<AwsCredential>> parse_json_credentials(std::string_view body, std::string_view what,
                                                       bool expiration_required, bool process) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer is not a JSON object");
  }
  auto text = [&](const char* name) -> std::string {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string()) return {};
    return it->get<std::string>();
  };
  if (process) {
    auto version = json.find("Version");
    if (version == json.end() || !version->is_number_integer() || version->get<int>() != 1) {
      return make_error(ErrorCode::kParse, std::string(what) + ": \"Version\" must be 1");
    }
  }
  if (auto code = text("Code"); !code.empty() && code != "Success") {
    return make_error(ErrorCode::kPermissionDenied,
                      std::string(what) + ": the endpoint answered Code \"" + safe_excerpt(code) + "\"");
  }
  Expiring<AwsCredential> out;
  out.value.key_id = text("AccessKeyId");
  out.value.secret_key = text("SecretAccessKey");
  out.value.token = text("Token");
  if (out.value.token.empty()) out.value.token = text("SessionToken");
  if (out.value.key_id.empty() || out.value.secret_key.empty()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no AccessKeyId / SecretAccessKey");
  }
  std::string expiration = text("Expiration");
  if (expiration.empty()) {
    if (expiration_required) {
      return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no Expiration");
    }
    return out;
  }
  auto us = parse_iso8601_us(expiration);
  if (!us) {
    return make_error(ErrorCode::kParse,
                      std::string(what) + ": Expiration '" + safe_excerpt(expiration) + "' is not an RFC 3339 time");
  }
  out.expires = from_us(*us);
  return out;
}

Result<Expiring<AwsCredential>> parse_sts_response(const http::Response& response, std::string_view result,
                                                   std::string_view what,
                                                   std::initializer_list<std::string_view> secrets) {
  if (response.status != 200) {
    RemoteError remote;
    pugi::xml_document doc;
    if (doc.load_buffer(response.body.data(), response.body.size())) {
      // <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>
      auto error = child(child(doc, "ErrorResponse"), "Error");
      if (!error) error = child(doc, "Error");
      // The code is server text like the message: a server that echoes the web identity JWT
      // into <Code> must not put it into the error (fuzz/sts found this).
      remote.code = safe_excerpt(child_text(error, "Code"), secrets);
      remote.message = std::string(child_text(error, "Message"));
    }
    std::string message = std::string(what) + ": HTTP " + std::to_string(response.status);
    if (!remote.code.empty()) message += " " + remote.code;
    std::string excerpt = safe_excerpt(remote.code.empty() ? std::string_view(response.body) : remote.message, secrets);
    if (!excerpt.empty()) message += ": " + excerpt;
    Error error = make_error(response.status == 400 || response.status == 401 || response.status == 403
                                 ? ErrorCode::kPermissionDenied
                                 : ErrorCode::kHttp,
                             std::move(message));
    error.http_status = response.status;
    error.attempts = response.attempts;
    error.remote_code = remote.code;
    return error;
  }
  pugi::xml_document doc;
  auto parsed = parse_xml(doc, response.body, std::string(what) + ": the answer");
  if (!parsed) return std::move(parsed).error();
  pugi::xml_node root = doc.first_child();
  auto credentials = child(child(root, result), "Credentials");
  Expiring<AwsCredential> out;
  out.value.key_id = std::string(child_text(credentials, "AccessKeyId"));
  out.value.secret_key = std::string(child_text(credentials, "SecretAccessKey"));
  out.value.token = std::string(child_text(credentials, "SessionToken"));
  if (out.value.key_id.empty() || out.value.secret_key.empty() || out.value.token.empty()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no " + std::string(result) +
                                             "/Credentials with AccessKeyId, SecretAccessKey and SessionToken");
  }
  auto us = parse_iso8601_us(child_text(credentials, "Expiration"));
  if (!us) return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no valid Expiration");
  out.expires = from_us(*us);
  return out;
}

std::string sha1_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha1(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), size));  // NOLINT: bytes
}

}  // namespace tdump::store::aws

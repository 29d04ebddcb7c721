#include "store/azure/azure_credentials.hpp"

#include <fstream>

#include "store/common/oauth_token.hpp"

namespace tdump::store {
namespace {

constexpr std::string_view kClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

Result<std::string> read_federated_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read the federated token file '" + path + "'");
  std::string text(kCredentialBodyCap + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kCredentialBodyCap) {
    return make_error(ErrorCode::kLimit, "the federated token file '" + path + "' is larger than " +
                                             std::to_string(kCredentialBodyCap) + " bytes");
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "the federated token file '" + path + "' is empty");
  return text;
}

}  // namespace

void fetch_azure_ad_token(const AzureTokenSource& source, http::Engine& engine, AzureFetchDone done) {
  // Microsoft identity platform, OAuth 2.0 client credentials flow: the v2.0 token endpoint with
  // scope {resource}/.default; workload identity sends the federated token as a client assertion.
  const std::string url = source.authority_host + "/" + source.tenant_id + "/oauth2/v2.0/token";
  http::Request request = credential_request("POST", url);
  request.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  std::string what;
  if (source.kind == AzureTokenSource::Kind::kWorkloadIdentity) {
    auto assertion = read_federated_token(source.federated_token_file);  // again on every refresh
    if (!assertion) {
      done(std::move(assertion).error());
      return;
    }
    request.body = form_body({{"client_id", source.client_id},
                              {"scope", kAzureStorageScope},
                              {"client_assertion_type", kClientAssertionType},
                              {"client_assertion", *assertion},
                              {"grant_type", "client_credentials"}});
    what = "Azure AD token for workload identity (client " + source.client_id + ", POST " + url + ")";
  } else {
    request.body = form_body({{"client_id", source.client_id},
                              {"scope", kAzureStorageScope},
                              {"client_secret", source.client_secret},
                              {"grant_type", "client_credentials"}});
    what = "Azure AD token for service principal (client " + source.client_id + ", POST " + url + ")";
  }
  fetch_credential(engine, std::move(request), what, [what, done = std::move(done)](Result<http::Response> response) {
    if (!response) {
      done(std::move(response).error());
      return;
    }
    done(parse_bearer_json(response->body, CredentialClock::now(), what));
  });
}

Result<CredentialProviderPtr<BearerCredential>> azure_token_provider(const AzureConfig& config,
                                                                     std::shared_ptr<http::Engine> engine,
                                                                     std::shared_ptr<http::Engine> metadata_engine,
                                                                     RefreshPolicy policy) {
  if (config.auth == AzureConfig::Auth::kBearerToken) {
    if (!is_header_safe_token(config.bearer_token)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the bearer token from " + config.credentials_source +
                            " is not a single word of visible characters (it goes into a header as is)");
    }
    return CredentialProviderPtr<BearerCredential>(std::make_shared<StaticCredentialProvider<BearerCredential>>(
        BearerCredential{config.bearer_token}, config.credentials_source));
  }
  if (config.auth != AzureConfig::Auth::kTokenProvider) {
    return make_error(ErrorCode::kInternal, "azure_token_provider: the configuration has no bearer-token source");
  }
  RefreshingCredentialProvider<BearerCredential>::Fetch fetch;
  const AzureTokenSource& source = config.token_source;
  switch (source.kind) {
    case AzureTokenSource::Kind::kWorkloadIdentity:
    case AzureTokenSource::Kind::kClientSecret:
      if (!engine) return make_error(ErrorCode::kInternal, "azure_token_provider needs an HTTP engine");
      fetch = [source, engine = std::move(engine)](AzureFetchDone done) {
        fetch_azure_ad_token(source, *engine, std::move(done));
      };
      break;
    case AzureTokenSource::Kind::kManagedIdentity: {
      auto chosen = metadata_engine ? std::move(metadata_engine) : std::move(engine);
      if (!chosen) return make_error(ErrorCode::kInternal, "azure_token_provider needs an HTTP engine");
      fetch = [source, engine = std::move(chosen)](AzureFetchDone done) {
        fetch_managed_identity_token(source, *engine, std::move(done));
      };
      break;
    }
    case AzureTokenSource::Kind::kAzureCli:
      fetch = make_azure_cli_fetch(source);
      break;
  }
  return CredentialProviderPtr<BearerCredential>(std::make_shared<RefreshingCredentialProvider<BearerCredential>>(
      std::move(fetch), config.credentials_source, policy));
}

Result<CredentialProviderPtr<AzureCredential>> azure_credential_provider(const AzureConfig& config,
                                                                         std::shared_ptr<http::Engine> engine,
                                                                         std::shared_ptr<http::Engine> metadata_engine,
                                                                         RefreshPolicy policy) {
  AzureCredential credential;
  switch (config.auth) {
    case AzureConfig::Auth::kAnonymous:
      return CredentialProviderPtr<AzureCredential>{};
    case AzureConfig::Auth::kSharedKey: {
      auto signer = SharedKeySigner::create(config.account, config.account_key);
      if (!signer) return std::move(signer).error();
      credential.kind = AzureCredential::Kind::kSharedKey;
      credential.signer = std::make_shared<const SharedKeySigner>(std::move(*signer));
      credential.key_text = config.account_key;  // for redaction only
      break;
    }
    case AzureConfig::Auth::kSas:
      credential.kind = AzureCredential::Kind::kSas;
      credential.sas = config.sas;
      break;
    case AzureConfig::Auth::kBearerToken:
      if (!is_header_safe_token(config.bearer_token)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the bearer token from " + config.credentials_source +
                              " is not a single word of visible characters (it goes into a header as is)");
      }
      credential.kind = AzureCredential::Kind::kBearer;
      credential.token = config.bearer_token;
      break;
    case AzureConfig::Auth::kTokenProvider: {
      auto tokens = azure_token_provider(config, std::move(engine), std::move(metadata_engine), policy);
      if (!tokens) return std::move(tokens).error();
      return CredentialProviderPtr<AzureCredential>(
          std::make_shared<MappedCredentialProvider<BearerCredential, AzureCredential>>(
              std::move(*tokens), [](const BearerCredential& bearer) {
                AzureCredential mapped;
                mapped.kind = AzureCredential::Kind::kBearer;
                mapped.token = bearer.token;
                return mapped;
              }));
    }
  }
  return CredentialProviderPtr<AzureCredential>(
      std::make_shared<StaticCredentialProvider<AzureCredential>>(std::move(credential), config.credentials_source));
}

}  // namespace tdump::store

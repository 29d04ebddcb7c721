// Managed identity tokens, as Microsoft documents them:
// - Azure VMs / VM scale sets / AKS nodes ("How to use managed identities for Azure resources on
//   an Azure VM to acquire an access token"): GET
//   http://169.254.169.254/metadata/identity/oauth2/token?api-version=2019-08-01&resource=R with
//   `Metadata: true`, a user-assigned identity chosen by client_id, object_id or msi_res_id;
//   the answer has access_token, expires_in and expires_on (strings).
// - App Service / Functions ("Use managed identities for App Service and Azure Functions"):
//   GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with `X-IDENTITY-HEADER:
//   $IDENTITY_HEADER`, a user-assigned identity chosen by client_id, principal_id or mi_res_id;
//   the answer has access_token and expires_on (Unix seconds).
#include <string>
#include <utility>
#include <vector>

#include "store/azure/azure_credentials.hpp"
#include "store/common/oauth_token.hpp"
#include "store/common/url.hpp"

namespace tdump::store {

void fetch_managed_identity_token(const AzureTokenSource& source, http::Engine& engine, AzureFetchDone done) {
  std::vector<std::pair<std::string, std::string>> query = {{"api-version", "2019-08-01"},
                                                            {"resource", std::string(kAzureStorageResource)}};
  // One selector at most, the most specific first (object_store's precedence).
  if (!source.msi_resource_id.empty()) {
    query.emplace_back(source.app_service ? "mi_res_id" : "msi_res_id", source.msi_resource_id);
  } else if (!source.object_id.empty()) {
    query.emplace_back(source.app_service ? "principal_id" : "object_id", source.object_id);
  } else if (!source.client_id.empty()) {
    query.emplace_back("client_id", source.client_id);
  }
  std::string url = source.msi_endpoint + "?";
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (i > 0) url += '&';
    url += percent_encode(query[i].first, false) + "=" + percent_encode(query[i].second, false);
  }
  http::Request request = credential_request("GET", std::move(url));
  if (source.app_service) {
    request.headers.push_back({"x-identity-header", source.identity_header});
  } else {
    request.headers.push_back({"metadata", "true"});
  }
  std::string what = std::string(source.app_service ? "App Service managed identity" : "managed identity") +
                     " token (GET " + url_for_messages(source.msi_endpoint) + ")";
  fetch_credential(engine, std::move(request), what, [what, done = std::move(done)](Result<http::Response> response) {
    if (!response) {
      done(std::move(response).error());
      return;
    }
    done(parse_bearer_json(response->body, CredentialClock::now(), what));
  });
}

}  // namespace tdump::store

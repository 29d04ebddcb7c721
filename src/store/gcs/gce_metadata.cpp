// The metadata server of Google Compute Engine (also GKE's Workload Identity metadata server and
// Cloud Run's): Google's "About VM metadata" / "Access VM metadata" documents a GET of
// /computeMetadata/v1/instance/service-accounts/default/token with the header
// `Metadata-Flavor: Google`, answered with {"access_token", "expires_in", "token_type"} and the
// same header. An answer without it did not come from a metadata server and is refused.
#include <string>

#include "store/common/oauth_token.hpp"
#include "store/gcs/gcs_credentials.hpp"

namespace tdump::store {
namespace {

constexpr std::string_view kTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

void ask(std::shared_ptr<const GoogleCredentials> credentials, std::shared_ptr<http::Engine> engine, bool fallback,
         BearerFetchDone done) {
  const std::string& host = fallback ? credentials->metadata_fallback_host : credentials->metadata_host;
  http::Request request = credential_request("GET", "http://" + host + std::string(kTokenPath));
  request.headers.push_back({"metadata-flavor", "Google"});
  std::string what = "GCE metadata server token (GET http://" + host + std::string(kTokenPath) + ")";
  auto& engine_ref = *engine;
  fetch_credential(
      engine_ref, std::move(request), what,
      [credentials = std::move(credentials), engine = std::move(engine), fallback, what,
       done = std::move(done)](Result<http::Response> response) mutable {
        if (!response) {
          // No answer at the name (off Google Cloud, or DNS without the metadata name): the
          // link-local address is tried once, as object_store and the Google SDKs do.
          if (!fallback && !credentials->metadata_fallback_host.empty() && response.error().http_status == 0) {
            ask(std::move(credentials), std::move(engine), true, std::move(done));
            return;
          }
          done(std::move(response).error());
          return;
        }
        auto flavor = response->header("metadata-flavor");
        if (!flavor || *flavor != "Google") {
          done(make_error(ErrorCode::kPermissionDenied,
                          what + ": the answer lacks `Metadata-Flavor: Google`; this is not a metadata server"));
          return;
        }
        done(parse_bearer_json(response->body, CredentialClock::now(), what));
      });
}

}  // namespace

void fetch_gce_metadata_token(std::shared_ptr<const GoogleCredentials> credentials,
                              std::shared_ptr<http::Engine> engine, BearerFetchDone done) {
  ask(std::move(credentials), std::move(engine), false, std::move(done));
}

}  // namespace tdump::store

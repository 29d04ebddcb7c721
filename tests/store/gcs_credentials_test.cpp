// GCS credential sources against servers that follow Google's documented protocols
// (tests/store/cred_servers/): the GCE metadata server, STS + IAM Credentials for workload
// identity federation and impersonation. Every token is then used on our GCS JSON-API server,
// which accepts only the tokens those servers issued (and refuses expired ones), so a wrong or
// stale token fails the test. The environment is the test's own (StoreOptions::env).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "cred_servers/cred_servers.hpp"
#include "gcs_test_server.hpp"
#include "net.hpp"
#include "process.hpp"
#include "store/gcs/gcs_credentials.hpp"
#include "store/gcs/gcs_options.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using testing::options;
using testing::PyServer;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr const char* kObject = "tiles/a.tif";
constexpr char kTiffStart[] = "II*\0\x08\0\0\0-header-bytes-of-a-tiff";
const std::string kBytes(kTiffStart, sizeof(kTiffStart) - 1);  // NUL bytes included

// What a GCS read with `token` gets from the data server: the status.
int read_with(http::Engine& engine, const testing::GcsTestServer& gcs, const std::string& token) {
  http::Request request;
  request.url = gcs.endpoint() + "/storage/v1/b/bkt/o/tiles%2Fa.tif?alt=media";
  request.headers.push_back({"range", "bytes=0-7"});
  if (!token.empty()) request.headers.push_back({"authorization", "Bearer " + token});
  auto response = engine.execute(std::move(request));
  if (!response) return -1;
  if (response->status == 206) {
    EXPECT_EQ(response->body, kBytes.substr(0, 8));
  }
  return response->status;
}

std::string token_of(CredentialProvider<BearerCredential>& provider) {
  auto credential = provider.get_blocking();
  EXPECT_TRUE(credential.ok()) << credential.error().describe();
  return credential.ok() ? (*credential)->token : std::string{};
}

class GcsCredentials : public ::testing::Test {
 protected:
  // One data server and engine per suite (the server makes RSA keys when it starts).
  struct Shared {
    tdump::testing::TempDir dir{"gcscred-suite"};
    std::unique_ptr<testing::GcsTestServer> gcs;
    std::shared_ptr<http::Engine> engine = testing::quick_engine();
  };
  static void SetUpTestSuite() {
    suite = new Shared();
    testing::GcsServerOptions opts;
    opts.token_file = (suite->dir / "tokens.txt").string();
    opts.client_id = "user-client";
    opts.client_secret = "USER-SECRET";
    opts.refresh_token = "USER-REFRESH";
    suite->gcs = std::make_unique<testing::GcsTestServer>(opts);
    suite->gcs->put("bkt", kObject, kBytes);
  }
  static void TearDownTestSuite() {
    suite->engine->shutdown();
    delete suite;
    suite = nullptr;
  }
  [[nodiscard]] static std::string token_file() { return (suite->dir / "tokens.txt").string(); }

  CredentialProviderPtr<BearerCredential> provider(std::map<std::string, std::string> values,
                                                   std::map<std::string, std::string> env) {
    values.emplace("allow_http", "true");
    auto config = gcs_config_from_url("gs://bkt", options(std::move(values), std::move(env)));
    EXPECT_TRUE(config.ok()) << config.error().message;
    if (!config.ok()) return nullptr;
    auto made = gcs_credential_provider(*config, engine_);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : nullptr;
  }

  static Shared* suite;
  tdump::testing::TempDir dir_{"gcscred"};
  const std::unique_ptr<testing::GcsTestServer>& gcs_ = suite->gcs;
  const std::shared_ptr<http::Engine>& engine_ = suite->engine;
};
GcsCredentials::Shared* GcsCredentials::suite = nullptr;

TEST_F(GcsCredentials, MetadataServerTokenReadsAndOneFetchServesABurst) {
  PyServer metadata("gce_metadata_server.py", {"--token-file", token_file()});
  auto p = provider({}, {{"GCE_METADATA_HOST", metadata.host()}});
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(contains(p->describe(), "metadata server"));
  EXPECT_EQ(read_with(*engine_, *gcs_, ""), 401);  // the bucket is private
  // 64 requests at once share one fetch.
  std::vector<std::thread> threads;
  threads.reserve(64);
  std::atomic<int> ok{0};
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&] {
      if (p->get_blocking().ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 64);
  EXPECT_EQ(metadata.stat("token"), 1);
  const std::string token = token_of(*p);
  EXPECT_TRUE(token.starts_with("ya29.gce-"));
  EXPECT_EQ(read_with(*engine_, *gcs_, token), 206);
  EXPECT_EQ(metadata.stat("refused"), 0);  // every request carried Metadata-Flavor: Google
  // The server's side of the protocol, checked by hand: without the header it refuses.
  auto bare = tdump::testing::simple_http("GET", metadata.port(),
                                          "/computeMetadata/v1/instance/service-accounts/default/token");
  EXPECT_EQ(bare.status, 403);
}

TEST_F(GcsCredentials, KeyFileAndUserLoginGrants) {
  // A service-account key (JWT grant) and gcloud's user login (refresh grant), both exchanged at
  // the data server's own token endpoint, which verifies the JWT's RS256 signature.
  tdump::testing::write_file(dir_ / "key.json", gcs_->service_account_json());
  auto key = provider({{"service_account", (dir_ / "key.json").string()}}, {});
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(read_with(*engine_, *gcs_, token_of(*key)), 206);
  nlohmann::json user = {{"type", "authorized_user"},
                         {"client_id", "user-client"},
                         {"client_secret", "USER-SECRET"},
                         {"refresh_token", "USER-REFRESH"},
                         {"token_uri", gcs_->endpoint() + "/token"}};
  auto login = provider({{"service_account_key", user.dump()}}, {});
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(read_with(*engine_, *gcs_, token_of(*login)), 206);
  // A key the endpoint does not know: refused, and the message shows neither key nor assertion.
  tdump::testing::write_file(dir_ / "foreign.json", gcs_->foreign_service_account_json());
  auto foreign = provider({{"service_account", (dir_ / "foreign.json").string()}}, {});
  auto refused = foreign->get_blocking();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().describe(), "invalid_grant")) << refused.error().describe();
  EXPECT_FALSE(contains(refused.error().describe(), "eyJ"));
  EXPECT_FALSE(contains(refused.error().describe(), "PRIVATE KEY"));
}

TEST_F(GcsCredentials, MetadataTokensRefreshedAcrossThreeLifetimes) {
  PyServer metadata("gce_metadata_server.py", {"--token-file", token_file(), "--lifetime", "2"});
  auto p = provider({}, {{"GCE_METADATA_HOST", metadata.host()}});
  ASSERT_NE(p, nullptr);
  std::set<std::string> seen;
  int reads = 0;
  int failures = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(7'000);  // 3.5 lifetimes
  while (std::chrono::steady_clock::now() < end) {
    const std::string token = token_of(*p);
    seen.insert(token);
    ++reads;
    if (read_with(*engine_, *gcs_, token) != 206) ++failures;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(failures, 0) << "of " << reads << " reads";
  EXPECT_GE(seen.size(), 3U);
  EXPECT_GE(metadata.stat("token"), 3);
}

TEST_F(GcsCredentials, AnAnswerWithoutMetadataFlavorIsRefused) {
  PyServer impostor("gce_metadata_server.py", {"--token-file", token_file(), "--no-flavor"});
  auto p = provider({}, {{"GCE_METADATA_HOST", impostor.host()}});
  ASSERT_NE(p, nullptr);
  auto got = p->get_blocking();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "Metadata-Flavor")) << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "ya29."));
}

TEST_F(GcsCredentials, MetadataRedirectIsNotFollowed) {
  // The server answers the token path with a 302 to a path that hands out tokens.
  PyServer redirecting("gce_metadata_server.py", {"--token-file", token_file(), "--redirect"});
  auto p = provider({}, {{"GCE_METADATA_HOST", redirecting.host()}});
  auto got = p->get_blocking();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "redirect")) << got.error().message;
  EXPECT_EQ(got.error().http_status, 302);
  EXPECT_EQ(redirecting.stat("token"), 0);  // the target was never asked
}

TEST_F(GcsCredentials, MetadataFallsBackToGceMetadataIp) {
  if (tdump::testing::run_command({"getent", "hosts", "metadata.google.internal"}).exit_code == 0) {
    GTEST_SKIP() << "this machine resolves metadata.google.internal (it may be on Google Cloud)";
  }
  PyServer metadata("gce_metadata_server.py", {"--token-file", token_file()});
  auto p = provider({}, {{"GCE_METADATA_IP", metadata.host()}});  // the name does not resolve here
  ASSERT_NE(p, nullptr);
  const std::string token = token_of(*p);
  EXPECT_EQ(read_with(*engine_, *gcs_, token), 206);
  EXPECT_EQ(metadata.stat("token"), 1);
}

class ExternalAccount : public GcsCredentials {
 protected:
  void start_sts(std::vector<std::string> extra = {}) {
    tdump::testing::write_file(dir_ / "subject.jwt", "eyJhbGciOiJSUzI1NiJ9.SUBJECT-ONE.c2ln\n");
    std::vector<std::string> args = {
        "--token-file",         token_file(),  "--subject-token-file", (dir_ / "subject.jwt").string(),
        "--audience",           kAudience,     "--user-client-secret", "USER-SECRET",
        "--user-refresh-token", "USER-REFRESH"};
    args.insert(args.end(), extra.begin(), extra.end());
    sts_ = std::make_unique<PyServer>("google_sts_server.py", args);
  }
  std::string write_credentials(const nlohmann::json& json) {
    auto path = dir_ / ("cred-" + std::to_string(++files_) + ".json");
    tdump::testing::write_file(path, json.dump());
    return path.string();
  }
  nlohmann::json file_sourced() const {
    return {{"type", "external_account"},
            {"audience", kAudience},
            {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
            {"token_url", sts_->base_url() + "/v1/token"},
            {"credential_source", {{"file", (dir_ / "subject.jwt").string()}}}};
  }
  [[nodiscard]] std::string impersonation_url() const {
    return sts_->base_url() +
           "/v1/projects/-/serviceAccounts/target@tiff-dumper-test.iam.gserviceaccount.com:generateAccessToken";
  }

  static constexpr const char* kAudience =
      "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/k8s";
  std::unique_ptr<PyServer> sts_;
  int files_ = 0;
};

TEST_F(ExternalAccount, FileSourcedTokenIsReadAgainOnEveryExchange) {
  start_sts();
  auto p = provider({}, {{"GOOGLE_APPLICATION_CREDENTIALS", write_credentials(file_sourced())}});
  ASSERT_NE(p, nullptr);
  auto first = p->get_blocking();
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_TRUE((*first)->token.starts_with("ya29.sts-"));
  EXPECT_EQ(read_with(*engine_, *gcs_, (*first)->token), 206);
  // Kubernetes rotates the projected token; the server now accepts only the new one.
  tdump::testing::write_file(dir_ / "subject.jwt", "eyJhbGciOiJSUzI1NiJ9.SUBJECT-TWO.c2ln\n");
  p->invalidate(*first);
  auto second = p->get_blocking();
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_NE((*second)->token, (*first)->token);
  EXPECT_EQ(read_with(*engine_, *gcs_, (*second)->token), 206);
  EXPECT_EQ(sts_->stat("sts"), 2);
  EXPECT_EQ(sts_->stat("errors"), 0);
}

TEST_F(ExternalAccount, UrlSourcedJsonWithClientAuthAndImpersonation) {
  start_sts({"--client-id", "sts-client", "--client-secret", "STS-CLIENT-SECRET"});
  nlohmann::json json = file_sourced();
  json["credential_source"] = {{"url", sts_->base_url() + "/subject?format=json"},
                               {"headers", {{"X-Test-Subject", "please"}}},
                               {"format", {{"type", "json"}, {"subject_token_field_name", "id_token"}}}};
  json["client_id"] = "sts-client";
  json["client_secret"] = "STS-CLIENT-SECRET";
  json["service_account_impersonation_url"] = impersonation_url();
  auto p = provider({{"application_credentials", write_credentials(json)}}, {});
  ASSERT_NE(p, nullptr);
  const std::string token = token_of(*p);
  EXPECT_TRUE(token.starts_with("ya29.imp-")) << token;
  EXPECT_EQ(read_with(*engine_, *gcs_, token), 206);
  EXPECT_EQ(sts_->stat("subject"), 1);
  EXPECT_EQ(sts_->stat("sts"), 1);
  EXPECT_EQ(sts_->stat("impersonate"), 1);
}

TEST_F(ExternalAccount, FailedExchangesNeverShowWhatWasSent) {
  start_sts({"--client-id", "sts-client", "--client-secret", "STS-CLIENT-SECRET"});
  // The wrong subject token: the server echoes it in error_description.
  tdump::testing::write_file(dir_ / "other.jwt", "eyJhbGciOiJSUzI1NiJ9.WRONG-SUBJECT.c2ln");
  nlohmann::json json = file_sourced();
  json["credential_source"] = {{"file", (dir_ / "other.jwt").string()}};
  json["client_id"] = "sts-client";
  json["client_secret"] = "STS-CLIENT-SECRET";
  auto p = provider({{"service_account_key", json.dump()}}, {});
  ASSERT_NE(p, nullptr);
  auto got = p->get_blocking();
  ASSERT_FALSE(got.ok());
  const std::string described = got.error().describe();
  EXPECT_TRUE(contains(described, "invalid_grant")) << described;
  EXPECT_EQ(got.error().http_status, 400);
  EXPECT_EQ(got.error().code, ErrorCode::kPermissionDenied);
  for (const char* secret : {"WRONG-SUBJECT", "STS-CLIENT-SECRET", "SUBJECT-ONE"}) {
    EXPECT_FALSE(contains(described, secret)) << described;
  }
  // A wrong client secret: the server echoes the Authorization header.
  json["credential_source"] = {{"file", (dir_ / "subject.jwt").string()}};
  json["client_secret"] = "NOT-THE-SECRET";
  auto q = provider({{"service_account_key", json.dump()}}, {});
  auto refused = q->get_blocking();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().describe(), "invalid_client"));
  EXPECT_FALSE(contains(refused.error().describe(), "NOT-THE-SECRET"));
  EXPECT_FALSE(contains(refused.error().describe(), "Basic"));
}

TEST_F(ExternalAccount, ImpersonatedServiceAccountFromAUserLogin) {
  start_sts({"--delegate", "projects/-/serviceAccounts/middle@tiff-dumper-test.iam.gserviceaccount.com"});
  nlohmann::json json = {{"type", "impersonated_service_account"},
                         {"service_account_impersonation_url", impersonation_url()},
                         {"delegates", {"projects/-/serviceAccounts/middle@tiff-dumper-test.iam.gserviceaccount.com"}},
                         {"source_credentials",
                          {{"type", "authorized_user"},
                           {"client_id", "user-client"},
                           {"client_secret", "USER-SECRET"},
                           {"refresh_token", "USER-REFRESH"},
                           {"token_uri", sts_->base_url() + "/token"}}}};
  // gcloud's ADC file in a temporary HOME (gcloud auth application-default login --impersonate-service-account)
  std::filesystem::create_directories(dir_ / "home/.config/gcloud");
  tdump::testing::write_file(dir_ / "home/.config/gcloud/application_default_credentials.json", json.dump());
  auto config = gcs_config_from_url("gs://bkt", options({{"allow_http", "true"}}, {}, (dir_ / "home").string()));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->credentials.type, "impersonated_service_account");
  auto p = gcs_credential_provider(*config, engine_);
  ASSERT_TRUE(p.ok());
  const std::string token = token_of(**p);
  EXPECT_TRUE(token.starts_with("ya29.imp-"));
  EXPECT_EQ(read_with(*engine_, *gcs_, token), 206);
  EXPECT_EQ(sts_->stat("refresh"), 1);
  EXPECT_EQ(sts_->stat("impersonate"), 1);
}

// `tiff-dumper headers` end to end with each GCS source, under `env -i`: ready, waiting for the
// stores to sign through gcs_credential_provider() (flip this when they do).
constexpr bool kGcsStoreSignsWithProviders = true;
constexpr const char* kGcsWiring =
    "needs the lead's wiring: open_gcs_store asking gcs_credential_provider() (gcs_store.cpp still uses "
    "make_google_token_provider, which knows only service_account and authorized_user files)";

// `copies` copies of each test TIFF in bucket "tiffs"; the number of keys.
int fill_tiff_bucket(const testing::GcsTestServer& gcs, int copies) {
  tdump::testing::TempDir made("tiffs");
  const auto names = testing::make_tiffs(made.path());
  int keys = 0;
  for (int i = 0; i < copies; ++i) {
    for (const auto& name : names) {
      gcs.put("tiffs", "run/" + std::to_string(i) + "/" + name, tdump::testing::read_file(made / name));
      ++keys;
    }
  }
  return keys;
}

TEST_F(GcsCredentials, HeadersRunWithTheMetadataServerOutlivesThreeTokens) {
  if (!kGcsStoreSignsWithProviders) GTEST_SKIP() << kGcsWiring;
  PyServer metadata("gce_metadata_server.py", {"--token-file", token_file(), "--lifetime", "1"});
  const int keys = fill_tiff_bucket(*gcs_, 300);
  auto run =
      testing::run_headers_isolated(dir_.path(), "gs://tiffs", {{"base_url", gcs_->endpoint()}, {"allow_http", "true"}},
                                    {{"GCE_METADATA_HOST", metadata.host()}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.rows, keys);
  EXPECT_EQ(run.error_rows, 0);
  EXPECT_GE(metadata.stat("token"), 3);  // the run outlived three tokens
}

TEST_F(ExternalAccount, HeadersRunWithWorkloadIdentityFederation) {
  if (!kGcsStoreSignsWithProviders) GTEST_SKIP() << kGcsWiring;
  start_sts();
  nlohmann::json json = file_sourced();
  json["service_account_impersonation_url"] = impersonation_url();
  const int keys = fill_tiff_bucket(*gcs_, 2);
  auto run =
      testing::run_headers_isolated(dir_.path(), "gs://tiffs", {{"base_url", gcs_->endpoint()}, {"allow_http", "true"}},
                                    {{"GOOGLE_APPLICATION_CREDENTIALS", write_credentials(json)}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.rows, keys);
  EXPECT_EQ(sts_->stat("impersonate"), 1);
}

}  // namespace
}  // namespace tdump::store

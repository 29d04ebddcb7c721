// Azure credential sources against servers that follow Microsoft's documented protocols
// (tests/store/cred_servers/): the Azure AD token endpoint (workload identity's client-assertion
// grant, a service principal's client-credentials grant), IMDS, App Service's identity endpoint,
// and a stub `az`. Every token is then used on a Blob data server of our own that accepts only
// the tokens those issued and refuses expired ones with Azure's error XML, over real TIFFs. The
// environment is the test's own (StoreOptions::env).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cred_servers/cred_servers.hpp"
#include "store/azure/azure_credentials.hpp"
#include "store/azure/azure_options.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using testing::options;
using testing::PyServer;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClient = "00000000-1111-2222-3333-444444444444";
constexpr const char* kAccount = "credacct";

class AzureCredentials : public ::testing::Test {
 protected:
  // One Blob data server (over TIFFs made with GDAL) and engine per suite.
  struct Shared {
    tdump::testing::TempDir dir{"azcred-suite"};
    std::vector<std::string> names;
    std::unique_ptr<PyServer> blob;
    std::shared_ptr<http::Engine> engine = testing::quick_engine();
  };
  static void SetUpTestSuite() {
    suite = new Shared();
    suite->names = testing::make_tiffs(suite->dir / "blobs/cont");
    suite->blob = std::make_unique<PyServer>(
        "azure_blob_server.py", std::vector<std::string>{"--root", (suite->dir / "blobs").string(), "--token-file",
                                                         token_file(), "--account", kAccount});
  }
  static void TearDownTestSuite() {
    suite->engine->shutdown();
    delete suite;
    suite = nullptr;
  }
  [[nodiscard]] static std::string token_file() { return (suite->dir / "tokens.txt").string(); }
  [[nodiscard]] static std::string blob_endpoint() { return suite->blob->base_url() + "/" + kAccount; }
  [[nodiscard]] static std::filesystem::path blob_file(const std::string& key) {
    return suite->dir / "blobs/cont" / key;
  }

  // Range GET of a blob with `token`: the status; a 206 must carry the file's bytes.
  int read_with(const std::string& token, const std::string& key = "plain.tif") {
    http::Request request;
    request.url = blob_endpoint() + "/cont/" + key;
    request.headers.push_back({"x-ms-version", "2021-08-06"});
    request.headers.push_back({"x-ms-range", "bytes=0-15"});
    if (!token.empty()) request.headers.push_back({"authorization", "Bearer " + token});
    auto response = engine_->execute(std::move(request));
    if (!response) return -1;
    if (response->status == 206) {
      EXPECT_EQ(response->body, tdump::testing::read_file(blob_file(key)).substr(0, 16));
    }
    last_body_ = response->body;
    return response->status;
  }
  // List Blobs with `token`: the names.
  std::vector<std::string> list_with(const std::string& token) {
    http::Request request;
    request.url = blob_endpoint() + "/cont?restype=container&comp=list";
    request.headers.push_back({"x-ms-version", "2021-08-06"});
    request.headers.push_back({"authorization", "Bearer " + token});
    auto response = engine_->execute(std::move(request));
    std::vector<std::string> names;
    if (!response || response->status != 200) return names;
    for (std::size_t at = response->body.find("<Name>"); at != std::string::npos;
         at = response->body.find("<Name>", at + 1)) {
      names.push_back(response->body.substr(at + 6, response->body.find("</Name>", at) - at - 6));
    }
    return names;
  }

  CredentialProviderPtr<BearerCredential> provider(std::map<std::string, std::string> values,
                                                   std::map<std::string, std::string> env,
                                                   std::chrono::milliseconds cli_timeout = std::chrono::seconds(30)) {
    values.emplace("account_name", kAccount);
    values.emplace("endpoint", blob_endpoint());
    values.emplace("allow_http", "true");
    auto config = azure_config_from_url("az://cont", options(std::move(values), std::move(env)));
    EXPECT_TRUE(config.ok()) << config.error().message;
    if (!config.ok()) return nullptr;
    config->token_source.cli_timeout = cli_timeout;
    auto tokens = azure_token_provider(*config, engine_);
    EXPECT_TRUE(tokens.ok()) << tokens.error().message;
    return tokens.ok() ? *tokens : nullptr;
  }
  static std::string token_of(CredentialProvider<BearerCredential>& provider) {
    auto credential = provider.get_blocking();
    EXPECT_TRUE(credential.ok()) << credential.error().describe();
    return credential.ok() ? (*credential)->token : std::string{};
  }

  static Shared* suite;
  tdump::testing::TempDir dir_{"azcred"};
  const std::vector<std::string>& names_ = suite->names;
  const std::shared_ptr<http::Engine>& engine_ = suite->engine;
  std::string last_body_;
};
AzureCredentials::Shared* AzureCredentials::suite = nullptr;

TEST_F(AzureCredentials, TheDataServerRefusesWhatItDidNotIssueAndExpiredTokens) {
  PyServer identity("azure_identity_server.py", {"--token-file", token_file(), "--lifetime", "1"});
  EXPECT_EQ(read_with(""), 401);
  EXPECT_TRUE(contains(last_body_, "NoAuthenticationInformation"));
  EXPECT_EQ(read_with("eyJ.made-up.token"), 401);
  EXPECT_TRUE(contains(last_body_, "InvalidAuthenticationInfo"));
  auto p = provider({{"msi_endpoint", identity.base_url() + "/metadata/identity/oauth2/token"}}, {});
  ASSERT_NE(p, nullptr);
  const std::string token = token_of(*p);
  EXPECT_EQ(read_with(token), 206);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(read_with(token), 401);  // the same token, now expired
  EXPECT_TRUE(contains(last_body_, "Lifetime validation failed. The token is expired."));
}

TEST_F(AzureCredentials, WorkloadIdentityReadsTheTokenFileOnEveryRefresh) {
  tdump::testing::write_file(dir_ / "azure-identity-token", "eyJhbGciOiJSUzI1NiJ9.FEDERATED-ONE.c2ln\n");
  PyServer identity("azure_identity_server.py",
                    {"--token-file", token_file(), "--assertion-file", (dir_ / "azure-identity-token").string()});
  // What the AKS workload identity webhook puts into a pod.
  auto p = provider({}, {{"AZURE_CLIENT_ID", kClient},
                         {"AZURE_TENANT_ID", kTenant},
                         {"AZURE_FEDERATED_TOKEN_FILE", (dir_ / "azure-identity-token").string()},
                         {"AZURE_AUTHORITY_HOST", identity.base_url() + "/"}});
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(contains(p->describe(), "workload identity"));
  auto first = p->get_blocking();
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(read_with((*first)->token), 206);
  EXPECT_EQ(list_with((*first)->token), (std::vector<std::string>{"cogs/one.tif", "plain.tif"}));
  // The kubelet rotates the projected token; the endpoint accepts only the current one.
  tdump::testing::write_file(dir_ / "azure-identity-token", "eyJhbGciOiJSUzI1NiJ9.FEDERATED-TWO.c2ln\n");
  p->invalidate(*first);
  auto second = p->get_blocking();
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(read_with((*second)->token), 206);
  EXPECT_EQ(identity.stat("aad"), 2);
  EXPECT_EQ(identity.stat("errors"), 0);
}

TEST_F(AzureCredentials, ServicePrincipalSecretAndItsFailureNeverShowsIt) {
  PyServer identity("azure_identity_server.py",
                    {"--token-file", token_file(), "--client-secret", "Sp~Secret.Value_123"});
  std::map<std::string, std::string> values = {{"client_id", kClient},
                                               {"tenant_id", kTenant},
                                               {"authority_host", identity.base_url()},
                                               {"client_secret", "Sp~Secret.Value_123"}};
  auto p = provider(values, {});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(read_with(token_of(*p)), 206);

  values["client_secret"] = "Wrong~Secret.Value_456";  // the endpoint echoes it in its description
  auto q = provider(values, {});
  auto refused = q->get_blocking();
  ASSERT_FALSE(refused.ok());
  const std::string described = refused.error().describe();
  EXPECT_TRUE(contains(described, "invalid_client AADSTS7000215")) << described;
  EXPECT_FALSE(contains(described, "Wrong~Secret"));
  EXPECT_FALSE(contains(q->describe(), "Wrong~Secret"));
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(refused.error().http_status, 401);
}

TEST_F(AzureCredentials, ImdsWithAUserAssignedIdentity) {
  PyServer identity("azure_identity_server.py", {"--token-file", token_file(), "--identity", "object_id=OID-42"});
  const std::string endpoint = identity.base_url() + "/metadata/identity/oauth2/token";
  auto p = provider({{"msi_endpoint", endpoint}, {"object_id", "OID-42"}}, {});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(read_with(token_of(*p)), 206);
  EXPECT_EQ(identity.stat("refused"), 0);  // `Metadata: true` was sent
  // Another identity: the endpoint says it does not exist.
  auto other = provider({{"msi_endpoint", endpoint}, {"msi_resource_id", "/subscriptions/x/rg/y/id"}}, {});
  auto refused = other->get_blocking();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().describe(), "invalid_request"));
}

TEST_F(AzureCredentials, AppServiceIdentityEndpoint) {
  PyServer identity("azure_identity_server.py", {"--token-file", token_file(), "--identity-header", "HDR-5ecret-value",
                                                 "--identity", "principal_id=PID-7"});
  std::map<std::string, std::string> env = {{"IDENTITY_ENDPOINT", identity.base_url() + "/msi/token"},
                                            {"IDENTITY_HEADER", "HDR-5ecret-value"}};
  auto p = provider({{"object_id", "PID-7"}}, env);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(contains(p->describe(), "App Service"));
  EXPECT_EQ(read_with(token_of(*p)), 206);
  env["IDENTITY_HEADER"] = "HDR-wrong-value";
  auto q = provider({{"object_id", "PID-7"}}, env);
  auto refused = q->get_blocking();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 401);
  EXPECT_FALSE(contains(refused.error().describe(), "HDR-wrong-value"));
}

TEST_F(AzureCredentials, ManagedIdentityTokensRefreshedAcrossThreeLifetimes) {
  PyServer identity("azure_identity_server.py", {"--token-file", token_file(), "--lifetime", "2"});
  auto p = provider({{"msi_endpoint", identity.base_url() + "/metadata/identity/oauth2/token"}}, {});
  ASSERT_NE(p, nullptr);
  std::set<std::string> seen;
  int reads = 0;
  int failures = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(7'000);  // 3.5 lifetimes
  while (std::chrono::steady_clock::now() < end) {
    const std::string token = token_of(*p);
    seen.insert(token);
    ++reads;
    if (read_with(token, reads % 2 == 0 ? "plain.tif" : "cogs/one.tif") != 206) ++failures;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(failures, 0) << "of " << reads << " reads";
  EXPECT_GE(seen.size(), 3U);
  EXPECT_GE(identity.stat("imds"), 3);
}

class AzureCli : public AzureCredentials {
 protected:
  std::map<std::string, std::string> path_with(testing::AzStubMode mode, int lifetime = 3600) {
    stub_ = testing::write_az_stub(dir_ / "bin", token_file(), lifetime, mode);
    return {{"PATH", stub_.string()}};
  }
  std::filesystem::path stub_;
};

TEST_F(AzureCli, TokenFromTheCliOnAWorkerThread) {
  auto p = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kOk));
  ASSERT_NE(p, nullptr);
  std::promise<std::pair<std::thread::id, Result<CredentialProvider<BearerCredential>::Ptr>>> got;
  p->get([&](Result<CredentialProvider<BearerCredential>::Ptr> credential) {
    got.set_value({std::this_thread::get_id(), std::move(credential)});
  });
  auto [thread, credential] = got.get_future().get();
  EXPECT_NE(thread, std::this_thread::get_id());  // az ran elsewhere
  ASSERT_TRUE(credential.ok()) << credential.error().describe();
  EXPECT_EQ(read_with((*credential)->token), 206);
  EXPECT_EQ(testing::az_stub_runs(stub_), 1);
  // An older az without expires_on: the local-time expiresOn is read.
  auto older = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kLocalOnly));
  EXPECT_EQ(read_with(token_of(*older)), 206);
}

TEST_F(AzureCli, FailuresAreClearAndBounded) {
  auto not_logged_in = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kNotLoggedIn));
  auto a = not_logged_in->get_blocking();
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(contains(a.error().message, "az login")) << a.error().message;

  auto leaky = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kLeakyError));
  auto b = leaky->get_blocking();
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(contains(b.error().message, "refresh failed")) << b.error().message;
  EXPECT_FALSE(contains(b.error().message, "c2VjcmV0LXN0dWZm")) << b.error().message;

  auto slow =
      provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kSlow), std::chrono::milliseconds(300));
  auto c = slow->get_blocking();
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "did not finish")) << c.error().message;

  auto huge = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kHuge));
  auto d = huge->get_blocking();
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.error().message, "more than")) << d.error().message;
}

TEST_F(AzureCli, ProviderDestroyedWhileIdleAndAfterUse) {
  // The worker thread ends with its provider, whether the last owner lets go from the test thread
  // or from the worker's own callback.
  for (int i = 0; i < 3; ++i) {
    auto p = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kOk));
    std::promise<void> done;
    p->get([&, keep = p](const Result<CredentialProvider<BearerCredential>::Ptr>&) mutable {
      keep.reset();
      done.set_value();
    });
    p.reset();  // the callback may now hold the last reference
    done.get_future().get();
  }
  auto idle = provider({{"use_azure_cli", "true"}}, path_with(testing::AzStubMode::kOk));
  idle.reset();
  SUCCEED();
}

// `tiff-dumper headers` end to end with each Azure source, under `env -i`: ready, waiting for the
// store to sign through azure_credential_provider() (flip this when it does).
constexpr bool kAzureStoreSignsWithProviders = true;
constexpr const char* kAzureWiring =
    "needs the lead's wiring: open_azure_store asking azure_credential_provider() (azure_store.cpp still builds "
    "static providers only)";

TEST_F(AzureCredentials, HeadersRunWithWorkloadIdentity) {
  if (!kAzureStoreSignsWithProviders) GTEST_SKIP() << kAzureWiring;
  tdump::testing::write_file(dir_ / "fed", "eyJhbGciOiJSUzI1NiJ9.FED.c2ln");
  PyServer identity("azure_identity_server.py",
                    {"--token-file", token_file(), "--assertion-file", (dir_ / "fed").string(), "--lifetime", "1"});
  auto run = testing::run_headers_isolated(
      dir_.path(), "az://cont", {{"account_name", kAccount}, {"endpoint", blob_endpoint()}, {"allow_http", "true"}},
      {{"AZURE_CLIENT_ID", kClient},
       {"AZURE_TENANT_ID", kTenant},
       {"AZURE_FEDERATED_TOKEN_FILE", (dir_ / "fed").string()},
       {"AZURE_AUTHORITY_HOST", identity.base_url()}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.rows, static_cast<int>(names_.size()));
  EXPECT_EQ(run.error_rows, 0);
}

TEST_F(AzureCredentials, HeadersRunWithManagedIdentity) {
  if (!kAzureStoreSignsWithProviders) GTEST_SKIP() << kAzureWiring;
  PyServer identity("azure_identity_server.py", {"--token-file", token_file()});
  auto run = testing::run_headers_isolated(dir_.path(), "az://cont",
                                           {{"account_name", kAccount},
                                            {"endpoint", blob_endpoint()},
                                            {"allow_http", "true"},
                                            {"msi_endpoint", identity.base_url() + "/metadata/identity/oauth2/token"}},
                                           {});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.rows, static_cast<int>(names_.size()));
}

TEST_F(AzureCli, HeadersRunWithTheAzureCli) {
  if (!kAzureStoreSignsWithProviders) GTEST_SKIP() << kAzureWiring;
  auto env = path_with(testing::AzStubMode::kOk);
  env["PATH"] += ":/usr/bin:/bin";  // the stub is a sh script using date, od, tr
  auto run = testing::run_headers_isolated(
      dir_.path(), "az://cont",
      {{"account_name", kAccount}, {"endpoint", blob_endpoint()}, {"allow_http", "true"}, {"use_azure_cli", "true"}},
      env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.rows, static_cast<int>(names_.size()));
  EXPECT_EQ(testing::az_stub_runs(stub_), 1);
}

}  // namespace
}  // namespace tdump::store

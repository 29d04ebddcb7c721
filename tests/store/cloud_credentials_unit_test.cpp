// The GCS and Azure credential chains without servers: which source wins for every pair that can
// both be present (options, environment, files in a temporary HOME), the parsing of every token
// answer and credentials file type, and that no secret reaches a message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>

#include "store/azure/azure_credentials.hpp"
#include "store/azure/azure_options.hpp"
#include "store/common/oauth_token.hpp"
#include "store/common/url.hpp"
#include "store/gcs/gcs_credentials.hpp"
#include "store/gcs/gcs_options.hpp"
#include "store/gcs/google_credentials.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using testing::options;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const CredentialClock::time_point kNow = CredentialClock::time_point(std::chrono::seconds(1'700'000'000));

// ---------------------------------------------------------------- common/oauth_token

TEST(OAuthToken, ParsesEveryExpiryForm) {
  auto in = parse_bearer_json(R"({"access_token":"ya29.a","expires_in":3599,"token_type":"Bearer"})", kNow, "t");
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->value.token, "ya29.a");
  EXPECT_EQ(*in->expires, kNow + std::chrono::seconds(3599));
  // Azure IMDS: numbers as strings.
  auto imds = parse_bearer_json(R"({"access_token":"x","expires_in":"86399","expires_on":"1700086399"})", kNow, "t");
  ASSERT_TRUE(imds.ok());
  EXPECT_EQ(*imds->expires, kNow + std::chrono::seconds(86399));
  // App Service: only expires_on (Unix seconds).
  auto app = parse_bearer_json(R"({"access_token":"x","expires_on":"1700000600"})", kNow, "t");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(*app->expires, kNow + std::chrono::seconds(600));
  // IAM Credentials generateAccessToken.
  auto iam = parse_bearer_json(R"({"accessToken":"ya29.imp","expireTime":"2023-11-14T23:13:20Z"})", kNow, "t");
  ASSERT_TRUE(iam.ok()) << iam.error().message;
  EXPECT_EQ(iam->value.token, "ya29.imp");
  EXPECT_EQ(*iam->expires, kNow + std::chrono::hours(1));  // `date -u -d 2023-11-14T23:13:20Z +%s` = 1700003600
}

TEST(OAuthToken, RefusesBadTokensAndLifetimes) {
  EXPECT_FALSE(parse_bearer_json("not json", kNow, "t").ok());
  EXPECT_FALSE(parse_bearer_json(R"({"expires_in":3600})", kNow, "t").ok());
  EXPECT_FALSE(parse_bearer_json(R"({"access_token":"two words","expires_in":3600})", kNow, "t").ok());
  EXPECT_FALSE(parse_bearer_json(R"({"access_token":"a\r\nX-Injected: 1","expires_in":3600})", kNow, "t").ok());
  EXPECT_FALSE(parse_bearer_json(R"({"access_token":"a","expires_in":-5})", kNow, "t").ok());
  EXPECT_FALSE(parse_bearer_json(R"({"access_token":"a","expires_in":99999999})", kNow, "t").ok());
  std::string long_token(kMaxAccessTokenBytes + 1, 'a');
  EXPECT_FALSE(parse_bearer_json(R"({"access_token":")" + long_token + R"(","expires_in":60})", kNow, "t").ok());
  auto none = parse_bearer_json(R"({"access_token":"a"})", kNow, "t");  // no expiry: one hour
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none->expires, kNow + std::chrono::hours(1));
}

TEST(OAuthToken, ErrorCodesNeverCarryDescriptions) {
  const std::string aad =
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: 'S3cr3t~Value'.","error_codes":[7000215]})";
  EXPECT_EQ(safe_error_code(aad), "invalid_client AADSTS7000215");
  EXPECT_EQ(
      safe_error_code(R"({"error":{"code":403,"message":"Permission denied on x","status":"PERMISSION_DENIED"}})"),
      "PERMISSION_DENIED");
  EXPECT_EQ(safe_error_code(R"({"error":"has spaces: the secret is abc"})"), "");
  EXPECT_EQ(safe_error_code("<html>oops</html>"), "");
  EXPECT_EQ(form_body({{"a b", "c&d=e"}, {"scope", "https://storage.azure.com/.default"}}),
            "a%20b=c%26d%3De&scope=https%3A%2F%2Fstorage.azure.com%2F.default");
  EXPECT_EQ(url_for_messages("https://h/p?sig=SECRET#f"), "https://h/p");
  const auto redacted = redact_secrets("ERROR: bad token eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXN0dWZm.c2ln\nnext line", 200);
  EXPECT_FALSE(contains(redacted, "eyJhbGci"));
  EXPECT_TRUE(contains(redacted, "ERROR: bad token"));
}

// ---------------------------------------------------------------- Google credential files

TEST(GoogleCredentialFiles, ExternalAccountFileAndUrlSources) {
  auto file = parse_google_credentials(R"({
      "type": "external_account",
      "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k",
      "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
      "token_url": "https://sts.googleapis.com/v1/token",
      "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken",
      "service_account_impersonation": {"token_lifetime_seconds": 1200},
      "credential_source": {"file": "/var/run/secrets/token"}})",
                                       "test");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->type, "external_account");
  EXPECT_EQ(file->token_uri, "https://sts.googleapis.com/v1/token");
  EXPECT_EQ(file->subject_source.file, "/var/run/secrets/token");
  EXPECT_EQ(file->subject_source.format, "text");
  EXPECT_EQ(file->impersonation_lifetime_seconds, 1200);

  auto url = parse_google_credentials(R"({
      "type": "external_account", "audience": "aud", "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
      "token_url": "https://sts.googleapis.com/v1/token",
      "credential_source": {"url": "http://169.254.169.254/token?x=1", "headers": {"Metadata": "True"},
                            "format": {"type": "json", "subject_token_field_name": "access_token"}}})",
                                      "test");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->subject_source.url, "http://169.254.169.254/token?x=1");
  ASSERT_EQ(url->subject_source.headers.size(), 1U);
  EXPECT_EQ(url->subject_source.headers[0].first, "Metadata");
  EXPECT_EQ(url->subject_source.json_field, "access_token");

  auto token = subject_token_from(url->subject_source, R"({"access_token":"SUBJECT"})", "u");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "SUBJECT");
  auto missing = subject_token_from(url->subject_source, R"({"other":"SUBJECT"})", "u");
  ASSERT_FALSE(missing.ok());
  EXPECT_FALSE(contains(missing.error().message, "SUBJECT"));
  EXPECT_EQ(*subject_token_from(file->subject_source, "  eyJ.x.y\n", "f"), "eyJ.x.y");

  // Sources that need a program or another cloud: clear "unsupported" errors.
  for (const char* source : {R"({"executable": {"command": "/bin/x"}})", R"({"environment_id": "aws1"})"}) {
    auto other = parse_google_credentials(std::string(R"({"type":"external_account","audience":"a",)") +
                                              R"("subject_token_type":"t","token_url":"https://s/v1/token",)" +
                                              R"("credential_source":)" + source + "}",
                                          "file x.json");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, ErrorCode::kUnsupported);
    EXPECT_TRUE(contains(other.error().message, "file x.json"));
  }
  EXPECT_FALSE(parse_google_credentials(R"({"type":"external_account","audience":"a","subject_token_type":"t",
      "token_url":"https://s","credential_source":{"file":"/a","url":"http://b"}})",
                                        "x")
                   .ok());  // exactly one of file and url
}

TEST(GoogleCredentialFiles, TokenExchangeAndImpersonationBodies) {
  GoogleCredentials c;
  c.audience = "//iam.googleapis.com/projects/1/locations/global/workforcePools/p/providers/k";
  c.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
  c.workforce_pool_user_project = "proj-1";
  const std::string body = sts_exchange_body(c, "SUBJ.TOKEN", kCloudPlatformScope);
  std::map<std::string, std::string> fields;
  for (const auto& [k, v] : split_query(body)) fields[k] = v;
  EXPECT_EQ(fields["grant_type"], "urn:ietf:params:oauth:grant-type:token-exchange");
  EXPECT_EQ(fields["requested_token_type"], "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(fields["subject_token_type"], c.subject_token_type);
  EXPECT_EQ(fields["subject_token"], "SUBJ.TOKEN");
  EXPECT_EQ(fields["audience"], c.audience);
  EXPECT_EQ(fields["scope"], kCloudPlatformScope);
  EXPECT_EQ(nlohmann::json::parse(fields["options"])["userProject"], "proj-1");
  c.client_id = "id";  // a client that authenticates itself bills its own project
  EXPECT_FALSE(contains(sts_exchange_body(c, "S", "x"), "options"));

  c.impersonation_lifetime_seconds = 1800;
  c.delegates = {"projects/-/serviceAccounts/d@p.iam.gserviceaccount.com"};
  auto imp = nlohmann::json::parse(impersonation_body(c, kGcsReadScope));
  EXPECT_EQ(imp["scope"], nlohmann::json::array({std::string(kGcsReadScope)}));
  EXPECT_EQ(imp["lifetime"], "1800s");
  EXPECT_EQ(imp["delegates"][0], "projects/-/serviceAccounts/d@p.iam.gserviceaccount.com");

  auto impersonated = parse_google_credentials(R"({
      "type": "impersonated_service_account",
      "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken",
      "delegates": ["projects/-/serviceAccounts/d@p.iam.gserviceaccount.com"],
      "source_credentials": {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}})",
                                               "adc");
  ASSERT_TRUE(impersonated.ok()) << impersonated.error().message;
  ASSERT_NE(impersonated->source, nullptr);
  EXPECT_EQ(impersonated->source->type, "authorized_user");
  EXPECT_EQ(impersonated->source->token_uri, kGoogleTokenUri);
  EXPECT_EQ(impersonated->delegates.size(), 1U);
}

// ---------------------------------------------------------------- GCS precedence

class GcsChain : public ::testing::Test {
 protected:
  void SetUp() override {
    tdump::testing::write_file(dir_ / "user.json", R"({"type":"authorized_user","client_id":"user-id",
        "client_secret":"USER-SECRET","refresh_token":"USER-REFRESH"})");
    tdump::testing::write_file(dir_ / "user2.json", R"({"type":"authorized_user","client_id":"user2-id",
        "client_secret":"s2","refresh_token":"r2"})");
    tdump::testing::write_file(dir_ / "ext.json", R"({"type":"external_account","audience":"aud",
        "subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token",
        "credential_source":{"file":"/tmp/t"}})");
    std::filesystem::create_directories(dir_ / "home/.config/gcloud");
    tdump::testing::write_file(
        dir_ / "home/.config/gcloud/application_default_credentials.json",
        R"({"type":"authorized_user","client_id":"adc-id","client_secret":"s","refresh_token":"r"})");
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (dir_ / name).string(); }
  [[nodiscard]] std::string home() const { return (dir_ / "home").string(); }
  Result<GcsConfig> config(std::map<std::string, std::string> values, std::map<std::string, std::string> env = {},
                           std::string home = "/nonexistent") const {
    return gcs_config_from_url("gs://bkt", options(std::move(values), std::move(env), std::move(home)));
  }
  // Which source a configuration picked, by a field that differs between the files.
  static std::string picked(const Result<GcsConfig>& c) {
    if (!c.ok()) return "error: " + c.error().message;
    switch (c->auth) {
      case GcsConfig::Auth::kAnonymous:
        return "anonymous";
      case GcsConfig::Auth::kBearerToken:
        return "bearer:" + c->bearer_token;
      case GcsConfig::Auth::kOAuth:
        break;
    }
    if (c->credentials.type == "gce_metadata") return "metadata:" + c->credentials.metadata_host;
    if (c->credentials.type == "external_account") return "external";
    return c->credentials.client_id;
  }
  tdump::testing::TempDir dir_{"gcschain"};
};

TEST_F(GcsChain, EveryPairOfSourcesInOrder) {
  // The sources in object_store's order, as options and as environment variables.
  struct Source {
    std::string picks;
    std::pair<std::string, std::string> option;
    std::pair<std::string, std::string> env;
  };
  const std::string inline_key =
      R"({"type":"authorized_user","client_id":"inline","client_secret":"s","refresh_token":"r"})";
  const std::vector<Source> sources = {
      {"bearer:tok", {"bearer_token", "tok"}, {"GOOGLE_BEARER_TOKEN", "tok"}},
      {"inline", {"service_account_key", inline_key}, {"GOOGLE_SERVICE_ACCOUNT_KEY", inline_key}},
      {"user-id", {"service_account", file("user.json")}, {"GOOGLE_SERVICE_ACCOUNT", file("user.json")}},
      {"user2-id",
       {"application_credentials", file("user2.json")},
       {"GOOGLE_APPLICATION_CREDENTIALS", file("user2.json")}},
  };
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& a = sources[i];
    // Alone, as an option and as the environment; each beats the ADC file and the metadata server.
    EXPECT_EQ(picked(config({a.option}, {}, home())), a.picks);
    EXPECT_EQ(picked(config({}, {a.env}, home())), a.picks);
    for (std::size_t j = 0; j < sources.size(); ++j) {
      if (i == j) continue;
      const auto& b = sources[j];
      // Any option beats any environment variable.
      EXPECT_EQ(picked(config({a.option}, {b.env})), a.picks) << a.option.first << " vs $" << b.env.first;
      if (j < i) continue;
      // Two options (or two variables): the earlier in the order, except a key file path and an inline key
      // together, which is an error as in object_store (and never shows the key).
      const bool conflict = a.option.first == "service_account_key" && b.option.first == "service_account";
      auto both_options = config({a.option, b.option});
      auto both_env = config({}, {a.env, b.env});
      if (conflict) {
        ASSERT_FALSE(both_options.ok());
        EXPECT_FALSE(contains(both_options.error().message, "inline"));
        EXPECT_FALSE(both_env.ok());
      } else {
        EXPECT_EQ(picked(both_options), a.picks) << a.option.first << " vs " << b.option.first;
        EXPECT_EQ(picked(both_env), a.picks) << a.env.first << " vs " << b.env.first;
      }
    }
  }
  // gcloud's ADC file beats the metadata server; CLOUDSDK_CONFIG moves it.
  EXPECT_EQ(picked(config({}, {}, home())), "adc-id");
  EXPECT_EQ(picked(config({}, {{"CLOUDSDK_CONFIG", (dir_ / "home/.config/gcloud").string()}})), "adc-id");
  EXPECT_EQ(picked(config({}, {})), "metadata:metadata.google.internal");
  EXPECT_EQ(picked(config({}, {{"GOOGLE_APPLICATION_CREDENTIALS", file("ext.json")}})), "external");
  // skip_signature beats everything.
  EXPECT_EQ(picked(config({{"skip_signature", "true"}, {"bearer_token", "t"}}, {}, home())), "anonymous");
  EXPECT_EQ(picked(config({}, {{"GOOGLE_SKIP_SIGNATURE", "true"}, {"GOOGLE_BEARER_TOKEN", "t"}})), "anonymous");
}

TEST_F(GcsChain, MetadataServerAddress) {
  auto plain = config({});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->credentials.metadata_host, "metadata.google.internal");
  EXPECT_EQ(plain->credentials.metadata_fallback_host, "169.254.169.254");
  auto moved = config({}, {{"GCE_METADATA_HOST", "127.0.0.1:8080"}});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->credentials.metadata_host, "127.0.0.1:8080");
  EXPECT_EQ(moved->credentials.metadata_fallback_host, "");  // an explicit host is not second-guessed
  auto root = config({}, {{"GCE_METADATA_ROOT", "http://10.0.0.1/"}});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->credentials.metadata_host, "10.0.0.1");
  auto ip = config({}, {{"GCE_METADATA_IP", "127.0.0.1:9"}});
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->credentials.metadata_host, "metadata.google.internal");
  EXPECT_EQ(ip->credentials.metadata_fallback_host, "127.0.0.1:9");
  EXPECT_FALSE(config({}, {{"GCE_METADATA_HOST", "h/x"}}).ok());
  EXPECT_TRUE(contains(picked(config({}, {{"GCE_METADATA_HOST", "a b"}})), "GCE_METADATA_HOST"));
}

TEST_F(GcsChain, OptionsObstoreKnowsAreAccepted) {
  std::vector<std::string> warnings;
  StoreOptions o = options({{"google_base_url", "https://gcs.example.test/"},
                            {"credential_type", "service_account"},
                            {"skip_signature", "true"}});
  o.warn = [&](std::string_view w) { warnings.emplace_back(w); };
  auto c = gcs_config_from_url("gs://bkt", o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->endpoint, "https://gcs.example.test");
  ASSERT_EQ(warnings.size(), 1U);  // credential_type: accepted, said to do nothing
  EXPECT_TRUE(contains(warnings[0], "credential_type"));
  // encryption_key: 32 bytes of base64; its SHA-256 sent beside it; a bad one is named, not shown.
  const std::string key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";  // bytes 0..31
  auto csek = config({{"skip_signature", "true"}, {"encryption_key", key}});
  ASSERT_TRUE(csek.ok()) << csek.error().message;
  auto headers = gcs_encryption_headers(*csek);
  ASSERT_EQ(headers.size(), 3U);
  EXPECT_EQ(headers[0].value, "AES256");
  EXPECT_EQ(headers[1].value, key);
  // `python3 -c "import sys;sys.stdout.buffer.write(bytes(range(32)))" | openssl dgst -sha256 -binary | base64`
  EXPECT_EQ(headers[2].value, "Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0=");
  auto bad = config({{"skip_signature", "true"}, {"encryption_key", "U0hPUlQtU0VDUkVU"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(contains(bad.error().message, "U0hPUlQtU0VDUkVU"));
  EXPECT_TRUE(contains(bad.error().message, "encryption_key"));
}

TEST_F(GcsChain, CredentialEndpointsNeedAllowHttp) {
  tdump::testing::write_file(dir_ / "http-ext.json", R"({"type":"external_account","audience":"aud",
      "subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"http://127.0.0.1:1/v1/token",
      "credential_source":{"url":"http://169.254.169.254/subject"}})");
  auto refused = config({{"application_credentials", file("http-ext.json")}});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "allow_http"));
  // The subject-token URL is a local metadata address and is not held to allow_http.
  EXPECT_TRUE(config({{"application_credentials", file("http-ext.json")}, {"allow_http", "true"}}).ok());
}

TEST_F(GcsChain, ProvidersPerSource) {
  auto engine = testing::quick_engine();
  auto anonymous = gcs_credential_provider(*config({{"skip_signature", "true"}}), engine);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(*anonymous, nullptr);
  auto bearer = gcs_credential_provider(*config({{"bearer_token", "ya29.fixed"}}), engine);
  ASSERT_TRUE(bearer.ok());
  ASSERT_NE(*bearer, nullptr);
  EXPECT_FALSE((*bearer)->refreshes());
  auto got = (*bearer)->get_blocking();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->token, "ya29.fixed");
  auto refreshing = gcs_credential_provider(*config({{"application_credentials", file("user.json")}}), engine);
  ASSERT_TRUE(refreshing.ok());
  EXPECT_TRUE((*refreshing)->refreshes());
  EXPECT_TRUE(contains((*refreshing)->describe(), "user.json"));
  EXPECT_FALSE(contains((*refreshing)->describe(), "USER-SECRET"));
  auto injected = gcs_credential_provider(*config({{"bearer_token", "a\nb"}}), engine);
  ASSERT_FALSE(injected.ok());
  EXPECT_FALSE(contains(injected.error().message, "a\nb"));
  engine->shutdown();
}

// ---------------------------------------------------------------- Azure precedence

class AzureChain : public ::testing::Test {
 protected:
  void SetUp() override {
    tdump::testing::write_file(dir_ / "fed-token", "eyJ.fed.token\n");
    write_az_stub_dir();
  }
  void write_az_stub_dir() {
    std::filesystem::create_directories(dir_ / "bin");
    tdump::testing::write_file(dir_ / "bin/az", "#!/bin/sh\nexit 1\n");
    std::filesystem::permissions(dir_ / "bin/az", std::filesystem::perms::owner_all);
  }
  Result<AzureConfig> config(std::map<std::string, std::string> values,
                             std::map<std::string, std::string> env = {}) const {
    values.emplace("account_name", "acct");
    return azure_config_from_url("az://cont", options(std::move(values), std::move(env)));
  }
  static std::string picked(const Result<AzureConfig>& c) {
    if (!c.ok()) return "error: " + c.error().message;
    switch (c->auth) {
      case AzureConfig::Auth::kAnonymous:
        return "anonymous";
      case AzureConfig::Auth::kSharedKey:
        return "key";
      case AzureConfig::Auth::kSas:
        return "sas";
      case AzureConfig::Auth::kBearerToken:
        return "token";
      case AzureConfig::Auth::kTokenProvider:
        break;
    }
    switch (c->token_source.kind) {
      case AzureTokenSource::Kind::kWorkloadIdentity:
        return "workload";
      case AzureTokenSource::Kind::kClientSecret:
        return "secret";
      case AzureTokenSource::Kind::kAzureCli:
        return "cli";
      case AzureTokenSource::Kind::kManagedIdentity:
        return c->token_source.app_service ? "appservice" : "imds";
    }
    return "?";
  }
  [[nodiscard]] std::string fed() const { return (dir_ / "fed-token").string(); }
  [[nodiscard]] std::string path() const { return (dir_ / "bin").string(); }
  tdump::testing::TempDir dir_{"azchain"};
};

TEST_F(AzureChain, EveryPairOfSourcesInObjectStoresOrder) {
  // The sources, each complete from the options alone, in object_store's order.
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> sources = {
      {"token", {{"token", "tok"}}},
      {"key", {{"account_key", "a2V5"}}},
      {"workload", {{"client_id", "cid"}, {"tenant_id", "tid"}, {"federated_token_file", fed()}}},
      {"secret", {{"client_id", "cid"}, {"tenant_id", "tid"}, {"client_secret", "SECRET"}}},
      {"sas", {{"sas_key", "sv=1&sig=abc"}}},
      {"cli", {{"use_azure_cli", "true"}}},
  };
  const std::map<std::string, std::string> env_path = {{"PATH", path()}};
  for (std::size_t i = 0; i < sources.size(); ++i) {
    EXPECT_EQ(picked(config(sources[i].second, env_path)), sources[i].first);
    for (std::size_t j = i + 1; j < sources.size(); ++j) {
      auto both = sources[i].second;
      both.insert(sources[j].second.begin(), sources[j].second.end());
      EXPECT_EQ(picked(config(both, env_path)), sources[i].first) << sources[i].first << " vs " << sources[j].first;
    }
  }
  // The same sources from the environment: any source complete from the options beats any from
  // the environment, and between two from the environment object_store's order decides.
  const std::vector<std::map<std::string, std::string>> env_sources = {
      {{"AZURE_STORAGE_TOKEN", "tok"}},
      {{"AZURE_STORAGE_ACCOUNT_KEY", "a2V5"}},
      {{"AZURE_CLIENT_ID", "cid"}, {"AZURE_TENANT_ID", "tid"}, {"AZURE_FEDERATED_TOKEN_FILE", fed()}},
      {{"AZURE_CLIENT_ID", "cid"}, {"AZURE_TENANT_ID", "tid"}, {"AZURE_CLIENT_SECRET", "SECRET"}},
      {{"AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=abc"}},
      {{"AZURE_USE_AZURE_CLI", "true"}},
  };
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto alone = env_sources[i];
    alone["PATH"] = path();
    EXPECT_EQ(picked(config({}, alone)), sources[i].first);
    for (std::size_t j = 0; j < sources.size(); ++j) {
      if (i == j) continue;
      auto env = env_sources[j];
      env["PATH"] = path();
      EXPECT_EQ(picked(config(sources[i].second, env)), sources[i].first)
          << sources[i].first << " vs $" << sources[j].first;
      if (j < i) continue;
      env.insert(env_sources[i].begin(), env_sources[i].end());
      EXPECT_EQ(picked(config({}, env)), sources[i].first) << "$" << sources[i].first << " vs $" << sources[j].first;
    }
  }
  // Nothing configured: managed identity, last.
  EXPECT_EQ(picked(config({})), "imds");
  // skip_signature beats every source.
  EXPECT_EQ(picked(config({{"skip_signature", "true"}, {"token", "t"}})), "anonymous");
}

TEST_F(AzureChain, OptionsBeforeTheEnvironment) {
  // An AKS pod's workload identity variables do not override an explicit SAS or key...
  const std::map<std::string, std::string> aks = {{"AZURE_CLIENT_ID", "cid"},
                                                  {"AZURE_TENANT_ID", "tid"},
                                                  {"AZURE_FEDERATED_TOKEN_FILE", fed()},
                                                  {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/"}};
  EXPECT_EQ(picked(config({{"sas_key", "sv=1&sig=abc"}}, aks)), "sas");
  EXPECT_EQ(picked(config({{"use_azure_cli", "true"}},
                          [&] {
                            auto env = aks;
                            env["PATH"] = path();
                            return env;
                          }())),
            "cli");
  // ... and alone they give workload identity, with AZURE_AUTHORITY_HOST's trailing '/' dropped.
  auto wi = config({}, aks);
  ASSERT_EQ(picked(wi), "workload");
  EXPECT_EQ(wi->token_source.authority_host, "https://login.microsoftonline.com");
  EXPECT_EQ(wi->token_source.federated_token_file, fed());
  // A source completed by the environment still follows object_store's order against another
  // environment source: the key in AZURE_STORAGE_KEY beats AZURE_STORAGE_SAS_TOKEN.
  EXPECT_EQ(picked(config({}, {{"AZURE_STORAGE_KEY", "a2V5"}, {"AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=x"}})), "key");
  // An option completed by the environment (client_id as option, tenant and secret from env).
  EXPECT_EQ(picked(config({{"client_id", "cid"}}, {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_SECRET", "S"}})), "secret");
  // AZURE_CLIENT_ID alone picks the user-assigned managed identity.
  auto mi = config({}, {{"AZURE_CLIENT_ID", "cid"}});
  ASSERT_EQ(picked(mi), "imds");
  EXPECT_EQ(mi->token_source.client_id, "cid");
}

TEST_F(AzureChain, ManagedIdentityEndpoints) {
  auto imds = config({});
  ASSERT_TRUE(imds.ok());
  EXPECT_EQ(imds->token_source.msi_endpoint, "http://169.254.169.254/metadata/identity/oauth2/token");
  auto moved = config({{"msi_endpoint", "http://127.0.0.1:5/metadata/identity/oauth2/token"}, {"object_id", "oid"}});
  ASSERT_EQ(picked(moved), "imds");
  EXPECT_EQ(moved->token_source.msi_endpoint, "http://127.0.0.1:5/metadata/identity/oauth2/token");
  EXPECT_EQ(moved->token_source.object_id, "oid");
  auto app = config({}, {{"IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"}, {"IDENTITY_HEADER", "HDR-SECRET"}});
  ASSERT_EQ(picked(app), "appservice");
  EXPECT_EQ(app->token_source.msi_endpoint, "http://127.0.0.1:41741/msi/token");
  EXPECT_EQ(app->token_source.identity_header, "HDR-SECRET");
  EXPECT_FALSE(contains(app->credentials_source, "HDR-SECRET"));
  EXPECT_FALSE(config({{"msi_endpoint", "ftp://x"}}).ok());
}

TEST_F(AzureChain, SecretsNeverInMessagesAndOptionsAccepted) {
  auto secret = config({{"client_id", "cid"}, {"tenant_id", "t"}, {"client_secret", "SP-SECRET-VALUE"}});
  ASSERT_EQ(picked(secret), "secret");
  EXPECT_FALSE(contains(secret->credentials_source, "SP-SECRET-VALUE"));
  auto bad_tenant = config({{"client_id", "cid"}, {"tenant_id", "a/b"}, {"client_secret", "SP-SECRET-VALUE"}});
  ASSERT_FALSE(bad_tenant.ok());
  EXPECT_FALSE(contains(bad_tenant.error().message, "SP-SECRET-VALUE"));
  auto http_authority = config(
      {{"client_id", "c"}, {"tenant_id", "t"}, {"client_secret", "S"}, {"authority_host", "http://127.0.0.1:1"}});
  ASSERT_FALSE(http_authority.ok());
  EXPECT_TRUE(contains(http_authority.error().message, "allow_http"));
  auto no_az = config({{"use_azure_cli", "true"}}, {{"PATH", "/nonexistent"}});
  ASSERT_FALSE(no_az.ok());
  EXPECT_TRUE(contains(no_az.error().message, "az"));

  std::vector<std::string> warnings;
  StoreOptions o = options({{"account_name", "acct"},
                            {"use_fabric_endpoint", "true"},
                            {"disable_tagging", "true"},
                            {"fabric_session_token", "FABRIC-SECRET"},
                            {"sas_key", "sv=1&sig=x"}});
  o.warn = [&](std::string_view w) { warnings.emplace_back(w); };
  auto fabric = azure_config_from_url("az://cont", o);
  ASSERT_TRUE(fabric.ok()) << fabric.error().message;
  EXPECT_EQ(fabric->blob_endpoint, "https://acct.blob.fabric.microsoft.com");
  ASSERT_EQ(warnings.size(), 1U);  // the Fabric token service is known, not implemented
  EXPECT_TRUE(contains(warnings[0], "fabric_session_token"));
  EXPECT_FALSE(contains(warnings[0], "FABRIC-SECRET"));
}

TEST_F(AzureChain, UrlFormsAndEmulatorOrder) {
  auto dfs = azure_config_from_url("az://cont@acct.dfs.core.windows.net/some/where", options({{"sas_key", "sig=x"}}));
  ASSERT_TRUE(dfs.ok()) << dfs.error().message;
  EXPECT_EQ(dfs->container, "cont");
  EXPECT_EQ(dfs->account, "acct");
  EXPECT_EQ(dfs->root_prefix, "some/where/");
  EXPECT_EQ(dfs->blob_endpoint, "https://acct.blob.core.windows.net");
  EXPECT_EQ(dfs->url_base, "az://cont@acct.dfs.core.windows.net/");
  auto onelake =
      azure_config_from_url("abfss://ws@onelake.dfs.fabric.microsoft.com/item/Files", options({{"sas_key", "sig=x"}}));
  ASSERT_TRUE(onelake.ok()) << onelake.error().message;
  EXPECT_EQ(onelake->blob_endpoint, "https://onelake.blob.fabric.microsoft.com");
  auto kind = store_kind_of_url("https://onelake.dfs.fabric.microsoft.com/ws/item");
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, "az");
  // The emulator: a key, then a token, then a SAS, then the well-known key (object_store's order).
  auto emulator = [&](std::map<std::string, std::string> v) {
    v.emplace("use_emulator", "true");
    return picked(azure_config_from_url("az://cont", options(std::move(v))));
  };
  EXPECT_EQ(emulator({{"token", "t"}, {"sas_key", "sig=x"}}), "token");
  EXPECT_EQ(emulator({{"account_key", "a2V5"}, {"token", "t"}}), "key");
  EXPECT_EQ(emulator({{"sas_key", "sig=x"}}), "sas");
  EXPECT_EQ(emulator({}), "key");
}

TEST_F(AzureChain, CredentialsPerSource) {
  auto engine = testing::quick_engine();
  auto credential_of = [&](std::map<std::string, std::string> values) -> std::shared_ptr<const AzureCredential> {
    auto provider = azure_credential_provider(*config(std::move(values)), engine);
    EXPECT_TRUE(provider.ok()) << provider.error().message;
    if (!provider.ok() || *provider == nullptr) return nullptr;
    auto got = (*provider)->get_blocking();
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : nullptr;
  };
  auto key = credential_of({{"account_key", "a2V5"}});
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->kind, AzureCredential::Kind::kSharedKey);
  EXPECT_NE(key->signer, nullptr);
  auto sas = credential_of({{"sas_key", "?sv=1&sig=abc"}});
  ASSERT_NE(sas, nullptr);
  EXPECT_EQ(sas->kind, AzureCredential::Kind::kSas);
  EXPECT_EQ(sas->sas, "sv=1&sig=abc");
  auto token = credential_of({{"token", "eyJ.static"}});
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->kind, AzureCredential::Kind::kBearer);
  EXPECT_EQ(token->token, "eyJ.static");
  auto anonymous = azure_credential_provider(*config({{"skip_signature", "true"}}), engine);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(*anonymous, nullptr);
  auto mi = azure_credential_provider(*config({}), engine);  // managed identity: refreshed, not fetched yet
  ASSERT_TRUE(mi.ok());
  EXPECT_TRUE((*mi)->refreshes());
  EXPECT_TRUE(contains((*mi)->describe(), "managed identity"));
  auto static_token = azure_token_provider(*config({{"token", "eyJ.static"}}), engine);
  ASSERT_TRUE(static_token.ok());
  EXPECT_FALSE((*static_token)->refreshes());
  EXPECT_FALSE(azure_token_provider(*config({{"account_key", "a2V5"}}), engine).ok());  // not a bearer source
  engine->shutdown();
}

// ---------------------------------------------------------------- the Azure CLI's answer

TEST(AzureCliAnswer, ExpiresOnOrLocalExpiresOn) {
  auto with_epoch = parse_azure_cli_token(
      R"({"accessToken":"eyJ.a","expiresOn":"2023-11-14 22:13:20.000000","expires_on":1700000000,"tokenType":"Bearer"})");
  ASSERT_TRUE(with_epoch.ok()) << with_epoch.error().message;
  EXPECT_EQ(with_epoch->value.token, "eyJ.a");
  EXPECT_EQ(*with_epoch->expires, kNow);
  // Only the local-time form: read in the process's time zone (TZ set for the test).
  // NOLINTBEGIN(concurrency-mt-unsafe): no other thread runs in this test
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz != nullptr ? old_tz : "";
  ::setenv("TZ", "Asia/Kolkata", 1);  // UTC+05:30, no daylight saving
  ::tzset();
  auto local = parse_azure_cli_token(R"({"accessToken":"eyJ.b","expiresOn":"2023-11-15 03:43:20.000000"})");
  if (old_tz != nullptr) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  // NOLINTEND(concurrency-mt-unsafe)
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(*local->expires, kNow);  // 03:43:20 +05:30 = 22:13:20Z
  EXPECT_FALSE(parse_azure_cli_token(R"({"accessToken":"eyJ.c","tokenType":"pop","expires_on":1})").ok());
  EXPECT_FALSE(parse_azure_cli_token(R"({"expires_on":1})").ok());
  EXPECT_FALSE(parse_azure_cli_token("ERROR: not json").ok());
}

// Found by fuzz/bearer_token: expiries centuries away (an IAM Credentials expireTime in 6026, an
// expires_on of 1e300 or of year 9999) overflowed system_clock's nanoseconds or the double to
// integer conversion (undefined behaviour). They are now held within the clock: far ahead is
// clamped to a week like any long lifetime, long past is expired.
TEST(TokenAnswers, ExpiriesOutsideTheClockAreClampedNotOverflowed) {
  const auto week = kNow + std::chrono::hours(24 * 7);
  auto far = parse_bearer_json(R"({"accessToken":"ya29.imp","expireTime":"6026-12-02T12:24:57Z"})", kNow, "t");
  ASSERT_TRUE(far.ok()) << far.error().message;
  EXPECT_EQ(far->expires, week);
  auto huge = parse_bearer_json(R"({"access_token":"x","expires_on":1e300})", kNow, "t");
  ASSERT_TRUE(huge.ok()) << huge.error().message;
  EXPECT_EQ(huge->expires, week);
  auto lifetime = parse_bearer_json(R"({"access_token":"x","expires_in":1e300})", kNow, "t");
  EXPECT_FALSE(lifetime.ok());  // not a lifetime between 1 second and a week
  auto past = parse_bearer_json(R"({"access_token":"x","expires_on":"-99999999999"})", kNow, "t");
  ASSERT_TRUE(past.ok()) << past.error().message;
  EXPECT_LT(*past->expires, kNow);
  EXPECT_GT(*past->expires - kNow, -std::chrono::hours(24 * 365 * 100));  // a difference that fits

  auto cli = parse_azure_cli_token(R"({"accessToken":"eyJ0.a.b","expires_on":253402300799,"tokenType":"Bearer"})");
  ASSERT_TRUE(cli.ok()) << cli.error().message;
  EXPECT_GT(*cli->expires, CredentialClock::from_time_t(7'258'118'400));  // after 2200
  auto local = parse_azure_cli_token(R"({"accessToken":"eyJ0.a.b","expiresOn":"9999-12-31 23:59:59.000000"})");
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_GT(*local->expires, CredentialClock::from_time_t(7'258'118'400));
}

}  // namespace
}  // namespace tdump::store

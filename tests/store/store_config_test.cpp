// Building stores from URLs, options, environment and profile files: addressing, precedence,
// and the errors a user sees for unknown options, bad values and missing credentials.
#include <gtest/gtest.h>

#include <map>

#include "http/engine.hpp"
#include "store/azure/azure_options.hpp"
#include "store/client_options.hpp"
#include "store/gcs/gcs_options.hpp"
#include "store/object_store.hpp"
#include "store/s3/s3_options.hpp"
#include "store/s3/s3_store.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  StoreOptions options(std::map<std::string, std::string> values = {}, std::string home = "/nonexistent") const {
    StoreOptions o;
    o.values = std::move(values);
    o.env = [vars = vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    o.home = std::move(home);
    return o;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(S3Config, PathStyleEndpointRegionAndRoot) {
  Env env;
  auto config = s3_config_from_url("s3://bkt/some/prefix/", env.options({{"endpoint", "http://127.0.0.1:9000"},
                                                                         {"allow_http", "true"},
                                                                         {"region", "eu-west-3"},
                                                                         {"skip_signature", "true"}}));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bucket, "bkt");
  EXPECT_EQ(config->root_prefix, "some/prefix/");
  EXPECT_EQ(config->region, "eu-west-3");
  EXPECT_EQ(config->origin, "http://127.0.0.1:9000");
  EXPECT_EQ(config->host, "127.0.0.1:9000");
  EXPECT_EQ(config->base_path, "/bkt");
  EXPECT_FALSE(config->credentials.has_value());
}

TEST(S3Config, AwsHostsAndVirtualHostedStyle) {
  Env env;
  auto vh = s3_config_from_url("https://sentinel-cogs.s3.us-west-2.amazonaws.com/tiles/",
                               env.options({{"skip_signature", "true"}}));
  ASSERT_TRUE(vh.ok()) << vh.error().message;
  EXPECT_EQ(vh->bucket, "sentinel-cogs");
  EXPECT_EQ(vh->region, "us-west-2");
  EXPECT_TRUE(vh->virtual_hosted);
  EXPECT_EQ(vh->host, "sentinel-cogs.s3.us-west-2.amazonaws.com");
  EXPECT_EQ(vh->base_path, "");
  EXPECT_EQ(vh->root_prefix, "tiles/");

  Env with_region;
  with_region.vars = {{"AWS_REGION", "us-east-1"}};  // the URL's region wins over the environment's
  auto url_region =
      s3_config_from_url("https://b.s3.eu-west-1.amazonaws.com", with_region.options({{"skip_signature", "1"}}));
  ASSERT_TRUE(url_region.ok());
  EXPECT_EQ(url_region->region, "eu-west-1");
  EXPECT_EQ(url_region->host, "b.s3.eu-west-1.amazonaws.com");

  auto ps = s3_config_from_url("https://s3.eu-central-1.amazonaws.com/bkt/a", env.options({{"skip_signature", "1"}}));
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->bucket, "bkt");
  EXPECT_EQ(ps->region, "eu-central-1");
  EXPECT_EQ(ps->host, "s3.eu-central-1.amazonaws.com");

  // Custom endpoint + virtual hosted: the bucket goes in front of the host (unless already there).
  auto custom = s3_config_from_url("s3://bkt", env.options({{"aws_endpoint_url", "http://localhost:9000"},
                                                            {"aws_virtual_hosted_style_request", "true"},
                                                            {"aws_allow_http", "true"},
                                                            {"aws_skip_signature", "true"}}));
  ASSERT_TRUE(custom.ok()) << custom.error().message;
  EXPECT_EQ(custom->origin, "http://bkt.localhost:9000");
  EXPECT_EQ(custom->base_path, "");
  auto already = s3_config_from_url("s3://bkt", env.options({{"endpoint", "https://bkt.example.com"},
                                                             {"virtual_hosted_style_request", "true"},
                                                             {"skip_signature", "true"}}));
  ASSERT_TRUE(already.ok());
  EXPECT_EQ(already->origin, "https://bkt.example.com");
}

TEST(S3Config, PlainHttpEndpointNeedsAllowHttp) {
  Env env;
  auto refused =
      s3_config_from_url("s3://bkt", env.options({{"endpoint", "http://127.0.0.1:9000"}, {"skip_signature", "true"}}));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "allow_http"));
  EXPECT_TRUE(contains(refused.error().message, "http://127.0.0.1:9000"));
}

TEST(S3Config, UnknownOptionsAndBadValuesNameTheKey) {
  Env env;
  auto unknown = s3_config_from_url("s3://bkt", env.options({{"aws_acess_key_id", "x"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(unknown.error().message, "'aws_acess_key_id'"));
  EXPECT_TRUE(contains(unknown.error().message, "did you mean 'aws_access_key_id'"));

  auto bad = s3_config_from_url("s3://bkt", env.options({{"skip_signature", "perhaps"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.error().message, "'perhaps'"));
  EXPECT_TRUE(contains(bad.error().message, "skip_signature"));
  EXPECT_TRUE(contains(bad.error().message, "true or false"));

  auto half = s3_config_from_url("s3://bkt", env.options({{"access_key_id", "AKID"}}));
  ASSERT_FALSE(half.ok());
  EXPECT_TRUE(contains(half.error().message, "secret_access_key"));

  EXPECT_FALSE(s3_config_from_url("s3://", env.options({{"skip_signature", "true"}})).ok());
}

TEST(S3Config, CredentialPrecedenceOptionsEnvProfile) {
  testing::TempDir home("s3home");
  testing::write_file(home / ".aws/credentials",
                      "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n"
                      "[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=worksecret\n"
                      "aws_session_token=worktoken\n");
  testing::write_file(home / ".aws/config",
                      "[default]\nregion = us-west-1\n[profile work]\nregion = ap-south-1\n"
                      "[profile assumed]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n");
  Env env;
  env.vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}, {"AWS_PROFILE", "work"}};
  std::string h = home.path().string();

  auto from_options =
      s3_config_from_url("s3://b", env.options({{"access_key_id", "OPTKEY"}, {"secret_access_key", "optsecret"}}, h));
  ASSERT_TRUE(from_options.ok());
  EXPECT_EQ(from_options->credentials->access_key_id, "OPTKEY");
  EXPECT_EQ(from_options->credentials_source, "options");
  EXPECT_EQ(from_options->region, "ap-south-1");  // region still from the AWS_PROFILE's config

  auto from_env = s3_config_from_url("s3://b", env.options({}, h));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->credentials->access_key_id, "ENVKEY");
  EXPECT_EQ(from_env->credentials_source, "environment");

  env.vars.erase("AWS_ACCESS_KEY_ID");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  auto from_profile = s3_config_from_url("s3://b", env.options({}, h));
  ASSERT_TRUE(from_profile.ok()) << from_profile.error().message;
  EXPECT_EQ(from_profile->credentials->access_key_id, "WORKKEY");
  EXPECT_EQ(from_profile->credentials->session_token, "worktoken");
  EXPECT_EQ(from_profile->credentials_source, "profile 'work'");

  env.vars.erase("AWS_PROFILE");
  auto from_default = s3_config_from_url("s3://b", env.options({}, h));
  ASSERT_TRUE(from_default.ok());
  EXPECT_EQ(from_default->credentials->access_key_id, "DEFAULTKEY");
  EXPECT_EQ(from_default->region, "us-west-1");
  env.vars["AWS_REGION"] = "sa-east-1";
  EXPECT_EQ(s3_config_from_url("s3://b", env.options({}, h))->region, "sa-east-1");
  EXPECT_EQ(s3_config_from_url("s3://b", env.options({{"region", "eu-north-1"}}, h))->region, "eu-north-1");

  env.vars["AWS_PROFILE"] = "nosuch";
  auto missing_profile = s3_config_from_url("s3://b", env.options({}, h));
  ASSERT_FALSE(missing_profile.ok());
  EXPECT_TRUE(contains(missing_profile.error().message, "'nosuch'"));

  // A role_arn profile is an STS AssumeRole signed with its source_profile's keys (the chain
  // itself is tested in aws_credentials_test.cpp).
  env.vars["AWS_PROFILE"] = "assumed";
  auto role = s3_config_from_url("s3://b", env.options({}, h));
  ASSERT_TRUE(role.ok()) << role.error().message;
  EXPECT_FALSE(role->credentials.has_value());
  EXPECT_EQ(role->credential_plan->kind, AwsSourceKind::kAssumeRole);
  EXPECT_EQ(role->credential_plan->role_arn, "arn:aws:iam::1:role/x");
  EXPECT_EQ(role->credential_plan->source_plan->static_credential.key_id, "DEFAULTKEY");
  EXPECT_EQ(role->credentials_source, "profile 'assumed' (role arn:aws:iam::1:role/x, assumed with profile 'default')");
}

TEST(S3Config, MissingCredentialsSayWhatWasLookedFor) {
  // Nothing configured: instance metadata is the last resort, and the plan remembers why every
  // source before it did not apply (the provider's error lists them when IMDS fails too).
  Env env;
  auto fallback = s3_config_from_url("s3://bkt", env.options());
  ASSERT_TRUE(fallback.ok()) << fallback.error().message;
  EXPECT_FALSE(fallback->credentials.has_value());
  EXPECT_EQ(fallback->credential_plan->kind, AwsSourceKind::kInstanceMetadata);
  EXPECT_EQ(fallback->credential_plan->skipped.size(), 5U);

  // With instance metadata disabled nothing is left: the error names every source, and the
  // way to read a public bucket.
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  auto none = s3_config_from_url("s3://bkt", env.options());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kPermissionDenied);
  for (const char* part : {"access_key_id", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "profile 'default'",
                           "/nonexistent/.aws/credentials", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_EC2_METADATA_DISABLED", "skip_signature"}) {
    EXPECT_TRUE(contains(none.error().message, part)) << part;
  }
  env.vars["AWS_NO_SIGN_REQUEST"] = "true";
  auto anonymous = s3_config_from_url("s3://bkt", env.options());
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE(anonymous->credentials.has_value());
  EXPECT_EQ(anonymous->credential_plan->kind, AwsSourceKind::kAnonymous);
}

// A store whose credentials are temporary opens without any network traffic: the provider
// fetches on the first request that asks it.
TEST(S3Config, TemporaryCredentialsOpenAndNameTheirSource) {
  Env env;
  env.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"}};
  auto engine = http::Engine::create({});
  ASSERT_TRUE(engine.ok());
  std::shared_ptr<http::Engine> shared(std::move(*engine));
  auto store = open_store("s3://bkt", env.options(), shared);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto* s3 = dynamic_cast<S3Store*>(store->get());
  ASSERT_NE(s3, nullptr);
  EXPECT_TRUE(contains(s3->credential_source(), "container credentials (http://169.254.170.2/v2/credentials/x)"))
      << s3->credential_source();
  shared->shutdown();
}

TEST(GcsConfig, CredentialSourcesAndEndpoint) {
  testing::TempDir dir("gcscfg");
  testing::write_file(dir / "user.json",
                      R"({"type":"authorized_user","client_id":"id","client_secret":"s","refresh_token":"r"})");
  Env env;
  env.vars = {{"GOOGLE_APPLICATION_CREDENTIALS", (dir / "user.json").string()}};
  auto from_env = gcs_config_from_url("gs://bkt/pre", env.options({{"google_endpoint", "https://gcs.example.test/"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.error().message;
  EXPECT_EQ(from_env->auth, GcsConfig::Auth::kOAuth);
  EXPECT_EQ(from_env->credentials.type, "authorized_user");
  EXPECT_EQ(from_env->credentials.token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(from_env->endpoint, "https://gcs.example.test");
  EXPECT_EQ(from_env->root_prefix, "pre/");

  auto bearer = gcs_config_from_url("gs://bkt", env.options({{"bearer_token", "ya29.x"}}));
  ASSERT_TRUE(bearer.ok());
  EXPECT_EQ(bearer->auth, GcsConfig::Auth::kBearerToken);

  auto missing_file = gcs_config_from_url("gs://bkt", env.options({{"service_account", "/no/such/key.json"}}));
  ASSERT_FALSE(missing_file.ok());
  EXPECT_TRUE(contains(missing_file.error().message, "/no/such/key.json"));

  Env empty;
  auto none = gcs_config_from_url("gs://bkt", empty.options());  // nothing configured: the metadata server
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->auth, GcsConfig::Auth::kOAuth);
  EXPECT_EQ(none->credentials.type, "gce_metadata");
  auto anonymous = gcs_config_from_url("gs://bkt", empty.options({{"google_skip_signature", "true"}}));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->auth, GcsConfig::Auth::kAnonymous);
  EXPECT_FALSE(gcs_config_from_url("gs://bkt", empty.options({{"skip_signature", "true"}, {"endpoint", "http://h"}}))
                   .ok());  // plain http needs allow_http
}

TEST(AzureConfig, UrlFormsAccountsAndCredentials) {
  Env env;
  env.vars = {{"AZURE_STORAGE_ACCOUNT_NAME", "envacct"}, {"AZURE_STORAGE_ACCOUNT_KEY", "a2V5"}};
  auto az = azure_config_from_url("az://cont/some/where", env.options());
  ASSERT_TRUE(az.ok()) << az.error().message;
  EXPECT_EQ(az->account, "envacct");
  EXPECT_EQ(az->container, "cont");
  EXPECT_EQ(az->root_prefix, "some/where/");
  EXPECT_EQ(az->blob_endpoint, "https://envacct.blob.core.windows.net");
  EXPECT_EQ(az->auth, AzureConfig::Auth::kSharedKey);
  EXPECT_EQ(az->url_base, "az://cont/");

  auto abfss = azure_config_from_url("abfss://cont@acct.dfs.core.windows.net/p", env.options());
  ASSERT_TRUE(abfss.ok());
  EXPECT_EQ(abfss->account, "acct");
  EXPECT_EQ(abfss->container, "cont");
  EXPECT_EQ(abfss->blob_endpoint, "https://acct.blob.core.windows.net");

  auto https = azure_config_from_url("https://acct.blob.core.windows.net/cont/x%20y",
                                     env.options({{"sas_token", "?sv=1&sig=abc"}}));
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->auth, AzureConfig::Auth::kSas);
  EXPECT_EQ(https->sas, "sv=1&sig=abc");
  EXPECT_EQ(https->root_prefix, "x y/");
  EXPECT_TRUE(https->url_encoded);

  auto pasted_sas = azure_config_from_url("https://acct.blob.core.windows.net/cont?sv=1&sig=SECRET", env.options());
  ASSERT_FALSE(pasted_sas.ok());
  EXPECT_FALSE(contains(pasted_sas.error().message, "SECRET"));

  auto emulator = azure_config_from_url(
      "az://cont", Env{}.options({{"use_emulator", "true"}, {"endpoint", "http://127.0.0.1:10010"}}));
  ASSERT_TRUE(emulator.ok()) << emulator.error().message;
  EXPECT_EQ(emulator->account, "devstoreaccount1");
  EXPECT_EQ(emulator->blob_endpoint, "http://127.0.0.1:10010/devstoreaccount1");
  EXPECT_EQ(emulator->auth, AzureConfig::Auth::kSharedKey);

  auto endpoint_account =
      azure_config_from_url("az://cont", Env{}.options({{"endpoint", "http://127.0.0.1:10010/devstoreaccount1"},
                                                        {"allow_http", "true"},
                                                        {"skip_signature", "true"}}));
  ASSERT_TRUE(endpoint_account.ok()) << endpoint_account.error().message;
  EXPECT_EQ(endpoint_account->account, "devstoreaccount1");

  auto no_account = azure_config_from_url("az://cont", Env{}.options({{"skip_signature", "true"}}));
  ASSERT_FALSE(no_account.ok());
  EXPECT_TRUE(contains(no_account.error().message, "account_name"));
  auto no_creds = azure_config_from_url("az://cont", Env{}.options({{"account_name", "a"}}));  // managed identity
  ASSERT_TRUE(no_creds.ok()) << no_creds.error().message;
  EXPECT_EQ(no_creds->auth, AzureConfig::Auth::kTokenProvider);
  EXPECT_EQ(no_creds->token_source.kind, AzureTokenSource::Kind::kManagedIdentity);
  auto bad_sas = azure_config_from_url("az://cont", Env{}.options({{"account_name", "a"}, {"sas_key", "SECRETSAS"}}));
  ASSERT_FALSE(bad_sas.ok());
  EXPECT_FALSE(contains(bad_sas.error().message, "SECRETSAS"));
}

TEST(ClientOptions, MapOntoTheEngineConfig) {
  StoreOptions options;
  options.values = {{"aws_timeout", "45s"},
                    {"connect_timeout", "250ms"},
                    {"allow_invalid_certificates", "true"},
                    {"region", "ignored-here"}};
  auto config = client_config_from_options(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->timeout, std::chrono::milliseconds(45'000));
  EXPECT_EQ(config->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_FALSE(config->verify_tls);
  options.values = {{"timeout", "forever"}};
  auto bad = client_config_from_options(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.error().message, "'forever'"));
}

TEST(OpenStore, SchemesAndErrors) {
  Env env;
  auto unknown = open_store("ftp://host/x", env.options(), nullptr);
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(contains(unknown.error().message, "ftp"));
  auto no_engine = open_store("s3://bkt", env.options({{"skip_signature", "true"}}), nullptr);
  ASSERT_FALSE(no_engine.ok());
  auto missing_dir = open_store("/no/such/folder/here", env.options(), nullptr);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code, ErrorCode::kNotFound);
  auto local_option = open_store("/tmp", env.options({{"region", "x"}}), nullptr);
  ASSERT_FALSE(local_option.ok());
  EXPECT_TRUE(contains(local_option.error().message, "'region'"));
}

}  // namespace
}  // namespace tdump::store

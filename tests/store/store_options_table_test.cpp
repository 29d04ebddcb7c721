// Every option obstore accepts (object_store's AmazonS3ConfigKey, GoogleConfigKey,
// AzureConfigKey and ClientConfigKey, with each alias and prefix) is accepted here, never
// "unknown option"; the ones without effect are warned about by name and listed in
// docs/store.md; client options are read from AWS_* / GOOGLE_* / AZURE_* environment variables
// the way object_store's from_env reads them; and the ones that change the wire land in the
// engine's configuration. The key lists below are written from object_store's documentation
// (docs.rs, the "Supported keys" of each enum variant), not from our own tables.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "http/engine.hpp"
#include "servers.hpp"
#include "store/azure/azure_options.hpp"
#include "store/client_options.hpp"
#include "store/gcs/gcs_options.hpp"
#include "store/object_store.hpp"
#include "store/s3/s3_options.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using Values = std::map<std::string, std::string>;

struct Case {
  std::vector<std::string> spellings;  // every key obstore reads for one option
  std::string value;                   // a valid value
  bool ignored = false;                // accepted without effect: a warning names it
};

constexpr const char* kPem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
// base64 of the 32 bytes 0x00..0x1f, and the base64 of their MD5 (computed with Python's hashlib).
constexpr const char* kSseKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kSseKeyMd5 = "tP/LI3N87DFaSk0aoqYgzg==";

std::vector<Case> client_cases() {
  // ClientConfigKey: each also with the store prefixes object_store strips before parsing.
  std::vector<std::pair<std::string, std::pair<std::string, bool>>> keys = {
      {"allow_http", {"true", false}},
      {"allow_invalid_certificates", {"false", false}},
      {"no_system_certificates", {"false", false}},
      {"connect_timeout", {"5s", false}},
      {"timeout", {"30s", false}},
      {"read_timeout", {"10s", false}},
      {"user_agent", {"tester/1.0", false}},
      {"http1_only", {"false", false}},
      {"proxy_url", {"http://127.0.0.1:3128", false}},
      {"proxy_ca_certificate", {kPem, false}},
      {"proxy_excludes", {"localhost,.internal", false}},
      {"pool_idle_timeout", {"90s", false}},
      {"http2_only", {"false", true}},
      {"default_content_type", {"application/octet-stream", true}},
      {"http2_keep_alive_interval", {"30s", true}},
      {"http2_keep_alive_timeout", {"10s", true}},
      {"http2_keep_alive_while_idle", {"true", true}},
      {"http2_max_frame_size", {"16384", true}},
      {"pool_max_idle_per_host", {"8", true}},
      {"randomize_addresses", {"true", true}},
  };
  std::vector<Case> out;
  out.reserve(keys.size());
  for (const auto& [name, spec] : keys) {
    out.push_back({{name, "aws_" + name, "google_" + name, "azure_" + name}, spec.first, spec.second});
  }
  return out;
}

std::vector<Case> s3_cases() {
  return {
      {{"aws_access_key_id", "access_key_id", "AWS_ACCESS_KEY_ID"}, "AKIDEXAMPLE"},
      {{"aws_secret_access_key", "secret_access_key"}, "not-a-real-secret"},
      {{"aws_session_token", "aws_token", "session_token", "token"}, "session-token"},
      {{"aws_region", "region"}, "eu-west-1"},
      {{"aws_default_region", "default_region"}, "eu-west-1"},
      {{"aws_bucket", "aws_bucket_name", "bucket", "bucket_name"}, "bkt"},
      {{"aws_endpoint_url", "aws_endpoint", "endpoint_url", "endpoint"}, "http://127.0.0.1:9"},
      {{"aws_endpoint_url_s3", "endpoint_url_s3"}, "http://127.0.0.1:9"},
      {{"aws_virtual_hosted_style_request", "virtual_hosted_style_request"}, "false"},
      {{"aws_imdsv1_fallback", "imdsv1_fallback"}, "true"},
      {{"aws_metadata_endpoint", "metadata_endpoint"}, "http://169.254.169.254"},
      {{"aws_unsigned_payload", "unsigned_payload"}, "true"},
      {{"aws_checksum_algorithm", "checksum_algorithm"}, "sha256", true},
      {{"aws_container_credentials_relative_uri", "container_credentials_relative_uri"}, "/v2/credentials/x"},
      {{"aws_container_credentials_full_uri", "container_credentials_full_uri"}, "http://127.0.0.1:9/creds"},
      {{"aws_container_authorization_token_file", "container_authorization_token_file"}, "/nonexistent/token"},
      {{"aws_web_identity_token_file", "web_identity_token_file"}, "/nonexistent/jwt"},
      {{"aws_role_arn", "role_arn"}, "arn:aws:iam::123456789012:role/reader"},
      {{"aws_role_session_name", "role_session_name"}, "tiff-dumper"},
      {{"aws_endpoint_url_sts", "endpoint_url_sts"}, "http://127.0.0.1:9"},
      {{"aws_copy_if_not_exists", "copy_if_not_exists"}, "multipart", true},
      {{"aws_conditional_put", "conditional_put"}, "etag", true},
      {{"aws_skip_signature", "skip_signature"}, "true"},
      {{"aws_disable_tagging", "disable_tagging"}, "true"},
      {{"aws_disable_bulk_delete", "disable_bulk_delete"}, "true"},
      {{"aws_s3_express", "s3_express"}, "false"},
      {{"aws_request_payer", "request_payer"}, "true"},
      {{"aws_request_payer", "request_payer"}, "requester"},
      {{"aws_server_side_encryption", "server_side_encryption"}, "aws:kms"},
      {{"aws_sse_kms_key_id", "sse_kms_key_id"}, "arn:aws:kms:eu-west-1:123456789012:key/k"},
      {{"aws_sse_bucket_key_enabled", "sse_bucket_key_enabled"}, "true"},
      {{"aws_sse_customer_key_base64", "sse_customer_key_base64"}, kSseKey},
  };
}

std::vector<Case> gcs_cases() {
  return {
      {{"google_service_account", "service_account", "google_service_account_path", "service_account_path"},
       "/nonexistent/key.json"},
      {{"google_service_account_key", "service_account_key"}, "{}"},
      {{"google_bucket", "google_bucket_name", "bucket", "bucket_name"}, "bkt"},
      {{"google_application_credentials", "application_credentials"}, "/nonexistent/adc.json"},
      {{"google_skip_signature", "skip_signature"}, "true"},
      {{"google_base_url", "base_url"}, "http://127.0.0.1:9"},
      {{"google_bearer_token", "bearer_token"}, "ya29.token"},
      {{"google_encryption_key", "encryption_key"}, kSseKey},
      {{"google_credential_type", "credential_type"}, "service_account", true},
  };
}

std::vector<Case> azure_cases() {
  return {
      {{"azure_storage_account_name", "account_name"}, "acct"},
      {{"azure_storage_account_key", "azure_storage_access_key", "azure_storage_master_key", "master_key",
        "account_key", "access_key"},
       "a2V5"},
      {{"azure_storage_client_id", "azure_client_id", "client_id"}, "11111111-2222-3333-4444-555555555555"},
      {{"azure_storage_client_secret", "azure_client_secret", "client_secret"}, "secret"},
      {{"azure_storage_tenant_id", "azure_storage_authority_id", "azure_tenant_id", "azure_authority_id", "tenant_id",
        "authority_id"},
       "tenant"},
      {{"azure_storage_authority_host", "azure_authority_host", "authority_host"}, "https://login.microsoftonline.com"},
      {{"azure_storage_sas_key", "azure_storage_sas_token", "sas_key", "sas_token"}, "sv=2021-08-06&sig=x"},
      {{"azure_storage_token", "bearer_token", "token"}, "eyJ.token"},
      {{"azure_storage_use_emulator", "use_emulator"}, "false"},
      {{"azure_storage_endpoint", "azure_endpoint", "endpoint"}, "https://acct.blob.core.windows.net"},
      {{"azure_msi_endpoint", "azure_identity_endpoint", "identity_endpoint", "msi_endpoint"},
       "http://169.254.169.254/metadata/identity/oauth2/token"},
      {{"azure_object_id", "object_id"}, "oid"},
      {{"azure_msi_resource_id", "msi_resource_id"}, "/subscriptions/x"},
      {{"azure_federated_token_file", "federated_token_file"}, "/nonexistent/token"},
      {{"azure_use_azure_cli", "use_azure_cli"}, "false"},
      {{"azure_skip_signature", "skip_signature"}, "true"},
      {{"azure_container_name", "container_name"}, "cont"},
      {{"azure_disable_tagging", "disable_tagging"}, "true"},
      {{"azure_use_fabric_endpoint", "use_fabric_endpoint"}, "false"},
      {{"azure_fabric_token_service_url", "fabric_token_service_url"}, "https://fabric.example", true},
      {{"azure_fabric_workload_host", "fabric_workload_host"}, "https://fabric.example", true},
      {{"azure_fabric_session_token", "fabric_session_token"}, "token", true},
      {{"azure_fabric_cluster_identifier", "fabric_cluster_identifier"}, "cluster", true},
  };
}

StoreOptions options_with(Values values, std::vector<std::string>* warnings,
                          std::map<std::string, std::string> env = {}) {
  StoreOptions o;
  o.values = std::move(values);
  o.env = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  o.home = "/nonexistent";
  o.warn = [warnings](std::string_view message) {
    if (warnings != nullptr) warnings->emplace_back(message);
  };
  return o;
}

// Opens the store's configuration with each spelling of each case on top of `base`, and checks
// it is accepted, warned about exactly when it has no effect, and accepted by the client too.
template <typename Open>
void check_table(const std::string& store, const std::vector<Case>& cases, const Values& base, Open open) {
  for (const auto& c : cases) {
    for (const auto& spelling : c.spellings) {
      Values values = base;
      values[spelling] = c.value;
      std::vector<std::string> warnings;
      auto options = options_with(values, &warnings);
      auto result = open(options);
      ASSERT_TRUE(result.ok()) << store << " option " << spelling << ": " << result.error().message;
      auto client = client_config_from_options(options, {}, "");
      ASSERT_TRUE(client.ok()) << store << " option " << spelling << " (client): " << client.error().message;
      bool warned = false;
      for (const auto& w : warnings) warned = warned || w.find("'" + spelling + "'") != std::string::npos;
      EXPECT_EQ(warned, c.ignored) << store << " option " << spelling
                                   << (c.ignored ? " has no effect and must be warned about"
                                                 : " is implemented and must not be warned about");
    }
  }
}

TEST(OptionTables, EveryS3OptionIsAccepted) {
  const Values base = {{"endpoint", "http://127.0.0.1:9"}, {"allow_http", "true"}, {"skip_signature", "true"}};
  auto open = [](const StoreOptions& o) { return s3_config_from_url("s3://bkt", o); };
  check_table("S3", s3_cases(), base, open);
  check_table("S3", client_cases(), base, open);
}

TEST(OptionTables, EveryGcsOptionIsAccepted) {
  const Values base = {{"skip_signature", "true"}, {"allow_http", "true"}};
  auto open = [](const StoreOptions& o) { return gcs_config_from_url("gs://bkt", o); };
  check_table("GCS", gcs_cases(), base, open);
  check_table("GCS", client_cases(), base, open);
}

TEST(OptionTables, EveryAzureOptionIsAccepted) {
  const Values base = {{"skip_signature", "true"}, {"account_name", "acct"}};
  auto open = [](const StoreOptions& o) { return azure_config_from_url("az://cont", o); };
  check_table("Azure", azure_cases(), base, open);
  check_table("Azure", client_cases(), base, open);
}

TEST(OptionTables, UnknownKeysAreStillRefused) {
  auto options = options_with({{"aws_acess_key_id", "x"}}, nullptr);
  auto result = s3_config_from_url("s3://bkt", options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("unknown option 'aws_acess_key_id'"), std::string::npos);
  EXPECT_NE(result.error().message.find("aws_access_key_id"), std::string::npos);  // did you mean
}

// Every option name of every table is in docs/store.md, so none is accepted undocumented.
TEST(OptionTables, EveryOptionIsDocumented) {
  std::ifstream in(testing::source_dir() / "docs/store.md");
  ASSERT_TRUE(in.good());
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> missing;
  for (const auto& table : {s3_cases(), gcs_cases(), azure_cases(), client_cases()}) {
    for (const auto& c : table) {
      for (const auto& spelling : c.spellings) {
        // The prefixed spellings follow one documented rule (`aws_…`); the others are each named.
        if (spelling.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) continue;
        if (spelling.rfind("google_", 0) == 0 || spelling.rfind("azure_", 0) == 0 || spelling.rfind("aws_", 0) == 0) {
          continue;
        }
        if (doc.find("`" + spelling + "`") == std::string::npos) missing.insert(spelling);
      }
    }
  }
  EXPECT_TRUE(missing.empty()) << "not in docs/store.md: " << [&] {
    std::string list;
    for (const auto& m : missing) list += m + " ";
    return list;
  }();
}

TEST(ClientOptionsEnv, ReadFromTheStoresPrefixedVariables) {
  const std::map<std::string, std::string> env = {{"AWS_PROXY_URL", "http://127.0.0.1:3128"},
                                                  {"AWS_PROXY_EXCLUDES", "a.example, 10.0.0.0/8"},
                                                  {"AWS_TIMEOUT", "12s"},
                                                  {"GOOGLE_USER_AGENT", "gcs-agent"},
                                                  {"AZURE_CONNECT_TIMEOUT", "3s"},
                                                  {"AZURE_READ_TIMEOUT", "1500ms"}};
  auto options = options_with({}, nullptr, env);
  auto s3 = client_config_from_options(options, {}, "s3://bkt/prefix");
  ASSERT_TRUE(s3.ok()) << s3.error().message;
  EXPECT_EQ(s3->proxy, "http://127.0.0.1:3128");
  EXPECT_EQ(s3->no_proxy, "a.example,10.0.0.0/8");
  EXPECT_EQ(s3->timeout, std::chrono::seconds(12));
  EXPECT_EQ(s3->user_agent, http::ClientConfig{}.user_agent);  // GOOGLE_* is not for S3

  auto gcs = client_config_from_options(options, {}, "gs://bkt");
  ASSERT_TRUE(gcs.ok()) << gcs.error().message;
  EXPECT_EQ(gcs->user_agent, "gcs-agent");
  EXPECT_TRUE(gcs->proxy.empty());  // AWS_* is not for GCS

  auto az = client_config_from_options(options, {}, "abfss://cont@acct.dfs.core.windows.net/p");
  ASSERT_TRUE(az.ok()) << az.error().message;
  EXPECT_EQ(az->connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(az->low_speed_time, std::chrono::seconds(2));  // 1.5 s rounded up to whole seconds

  auto http = client_config_from_options(options, {}, "https://example.com/data");
  ASSERT_TRUE(http.ok());
  EXPECT_TRUE(http->proxy.empty());  // an HTTP store reads no prefixed variables

  // An option given in the config wins over the environment.
  auto given = options_with({{"timeout", "7s"}}, nullptr, env);
  auto s3_given = client_config_from_options(given, {}, "s3://bkt");
  ASSERT_TRUE(s3_given.ok());
  EXPECT_EQ(s3_given->timeout, std::chrono::seconds(7));

  // The S3 store reads the same variables (and so validates them the same way).
  auto bad = options_with({{"endpoint", "http://127.0.0.1:9"}, {"allow_http", "true"}, {"skip_signature", "true"}},
                          nullptr, {{"AWS_TIMEOUT", "soon"}});
  auto bad_client = client_config_from_options(bad, {}, "s3://bkt");
  ASSERT_FALSE(bad_client.ok());
  EXPECT_NE(bad_client.error().message.find("environment variable AWS_TIMEOUT"), std::string::npos);
}

TEST(ClientOptionsWire, MapOntoTheEngine) {
  testing::TempDir dir("client-opts");
  const auto ca = dir.path() / "ca.pem";
  testing::write_file(ca, kPem);
  auto options = options_with({{"proxy_url", "http://user:pw@127.0.0.1:3128"},
                               {"proxy_excludes", "localhost"},
                               {"proxy_ca_certificate", ca.string()},
                               {"root_certificate", kPem},
                               {"pool_idle_timeout", "45s"},
                               {"read_timeout", "20s"},
                               {"no_system_certificates", "true"}},
                              nullptr);
  auto config = client_config_from_options(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->proxy, "http://user:pw@127.0.0.1:3128");
  EXPECT_EQ(config->no_proxy, "localhost");
  EXPECT_EQ(config->proxy_ca_file, ca.string());
  EXPECT_TRUE(config->proxy_ca_pem.empty());
  EXPECT_EQ(config->ca_pem, kPem);
  EXPECT_TRUE(config->ca_file.empty());
  EXPECT_FALSE(config->system_ca);
  EXPECT_EQ(config->max_idle_connection_age, std::chrono::seconds(45));
  EXPECT_EQ(config->low_speed_time, std::chrono::seconds(20));

  // A root certificate that is neither PEM text nor a readable PEM file fails naming the option.
  auto missing = client_config_from_options(options_with({{"root_certificate", "/nonexistent/ca.pem"}}, nullptr));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("root_certificate"), std::string::npos);
  const auto not_pem = dir.path() / "not.pem";
  testing::write_file(not_pem, "hello");
  auto wrong = client_config_from_options(options_with({{"aws_root_certificate", not_pem.string()}}, nullptr));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("PEM"), std::string::npos);

  // A bad proxy URL is refused without echoing it (it may carry a password).
  auto bad_proxy = client_config_from_options(options_with({{"proxy_url", "ftp://user:hunter2@x"}}, nullptr));
  ASSERT_FALSE(bad_proxy.ok());
  EXPECT_EQ(bad_proxy.error().message.find("hunter2"), std::string::npos) << bad_proxy.error().message;
}

TEST(S3Options, SseCustomerKeyRequestPayerAndEndpointS3) {
  auto options = options_with({{"endpoint", "http://127.0.0.1:9"},
                               {"endpoint_url_s3", "http://127.0.0.1:10"},
                               {"allow_http", "true"},
                               {"skip_signature", "true"},
                               {"request_payer", "requester"},
                               {"sse_customer_key_base64", kSseKey}},
                              nullptr);
  auto config = s3_config_from_url("s3://bkt", options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->request_payer);
  EXPECT_EQ(config->sse_customer_key_base64, kSseKey);
  EXPECT_EQ(config->sse_customer_key_md5_base64, kSseKeyMd5);
  EXPECT_EQ(config->origin, "http://127.0.0.1:10");  // the S3-only endpoint wins

  // A key that is not 32 bytes is refused without being shown.
  auto short_key = options_with({{"skip_signature", "true"}, {"aws_sse_customer_key_base64", "c2hvcnQ="}}, nullptr);
  auto refused = s3_config_from_url("s3://bkt", short_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.find("c2hvcnQ="), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("32-byte"), std::string::npos);

  auto bad_payer = options_with({{"skip_signature", "true"}, {"request_payer", "owner"}}, nullptr);
  EXPECT_FALSE(s3_config_from_url("s3://bkt", bad_payer).ok());

  // Writing: encryption options our uploads would not send are refused, never silently dropped.
  for (const auto& [key, value] : Values{
           {"sse_customer_key_base64", kSseKey}, {"server_side_encryption", "aws:kms"}, {"aws_sse_kms_key_id", "k"}}) {
    auto writing = options_with({{"skip_signature", "true"}, {key, value}}, nullptr);
    writing.for_writing = true;
    auto out = s3_config_from_url("s3://bkt/out", writing);
    ASSERT_FALSE(out.ok()) << key;
    EXPECT_NE(out.error().message.find("OUT_DIR"), std::string::npos) << out.error().message;
    EXPECT_EQ(out.error().message.find(kSseKey), std::string::npos);
  }
}

TEST(S3Options, ExpressDirectoryBucketsAreRefusedByName) {
  auto anonymous = options_with({{"skip_signature", "true"}, {"region", "us-west-2"}}, nullptr);
  auto express = s3_config_from_url("s3://data--usw2-az1--x-s3/prefix", anonymous);
  ASSERT_FALSE(express.ok());
  EXPECT_NE(express.error().message.find("data--usw2-az1--x-s3"), std::string::npos);
  EXPECT_NE(express.error().message.find("S3 Express One Zone"), std::string::npos);

  auto flagged = options_with({{"skip_signature", "true"}, {"s3_express", "true"}}, nullptr);
  auto flagged_result = s3_config_from_url("s3://plain-bucket", flagged);
  ASSERT_FALSE(flagged_result.ok());
  EXPECT_NE(flagged_result.error().message.find("s3_express"), std::string::npos);

  // On an S3-compatible endpoint the suffix is only a name.
  auto custom =
      options_with({{"skip_signature", "true"}, {"endpoint", "http://127.0.0.1:9"}, {"allow_http", "true"}}, nullptr);
  auto named = s3_config_from_url("s3://data--usw2-az1--x-s3", custom);
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_EQ(named->origin, "http://127.0.0.1:9");
}

TEST(AzureOptions, DfsUrlFormWithContainerAndAccount) {
  auto options = options_with({{"skip_signature", "true"}}, nullptr);
  auto config = azure_config_from_url("az://cont@acct.dfs.core.windows.net/some/prefix", options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->account, "acct");
  EXPECT_EQ(config->container, "cont");
  EXPECT_EQ(config->root_prefix, "some/prefix/");
  EXPECT_EQ(config->blob_endpoint, "https://acct.blob.core.windows.net");
  auto kind = store_kind_of_url("az://cont@acct.dfs.core.windows.net/x");
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, "az");
}

}  // namespace
}  // namespace tdump::store

// Every AWS credential source against real servers on 127.0.0.1: our IMDSv2, container (ECS /
// EKS Pod Identity), SSO portal and STS servers (aws_cred_servers.py), moto_server's STS, and a
// data server that verifies SigV4 and accepts only what those endpoints issued. Each credential
// is proved by a ranged GET that the production S3 client signs with it and the data server
// accepts. The environment each test sees is injected (StoreOptions::env): nothing of this
// process's own environment is used (checked by planting variables in it).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "aws_cred_servers.hpp"
#include "net.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "store/s3/aws_credentials.hpp"
#include "store/s3/s3_client.hpp"
#include "store/s3/s3_options.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using tdump::testing::TempDir;
using tdump::testing::write_file;
using testing::AwsCredServers;
using Ptr = CredentialProvider<AwsCredential>::Ptr;

constexpr const char* kStaticKey = "AKIASTATICTESTKEY001";
constexpr const char* kStaticSecret = "static/secret+for+tests0123456789";
constexpr const char* kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLW9mLXRoZS1qd3Q";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Env {
  std::map<std::string, std::string> vars;
  std::map<std::string, std::string> options;
  std::string home = "/nonexistent-home";
  [[nodiscard]] StoreOptions store_options() const {
    StoreOptions o;
    o.values = options;
    o.env = [vars = vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    o.home = home;
    o.warn = [](std::string_view message) { ADD_FAILURE() << "unexpected warning: " << message; };
    return o;
  }
};

class AwsSources : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Planted in the real environment: an injected environment must never see them.
    setenv("AWS_ACCESS_KEY_ID", "AKIALEAKEDFROMPROCESS", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "leaked", 1);
    setenv("AWS_PROFILE", "leaked-profile", 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/leaked", 1);
    servers_ = new AwsCredServers(3600, {{kStaticKey, kStaticSecret}});
    write_file(servers_->root() / "bkt/data/object.bin", std::string(1000, 'x') + "tail");
    http::ClientConfig config;
    config.loops = 2;
    config.retry.max_retries = 1;
    auto engine = http::Engine::create(config);
    ASSERT_TRUE(engine.ok());
    engine_ = std::shared_ptr<http::Engine>(std::move(*engine));
  }
  static void TearDownTestSuite() {
    engine_->shutdown();
    engine_.reset();
    delete servers_;
    servers_ = nullptr;
    for (const char* name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"}) {
      unsetenv(name);
    }
  }
  void SetUp() override {
    servers_->configure({{"lifetime", 3600},
                         {"imds_token_status", 200},
                         {"imdsv1", false},
                         {"imds_role", "tiff-dumper-test-role"},
                         {"container_token", ""},
                         {"sso_token", ""},
                         {"web_identity_token", ""},
                         {"redirect", ""},
                         {"fail", nlohmann::json::object()}});
  }

  static AwsCredentialPlan plan_of(const Env& env) {
    auto config = s3_config_from_url("s3://bkt", env.store_options());
    EXPECT_TRUE(config.ok()) << config.error().message;
    if (!config) return {};
    return *config->credential_plan;
  }
  static CredentialProviderPtr<AwsCredential> provider_of(const AwsCredentialPlan& plan) {
    auto provider = aws_credential_provider(plan, engine_);
    EXPECT_TRUE(provider.ok()) << provider.error().message;
    return provider ? *provider : nullptr;
  }
  static Result<Ptr> fetch(const Env& env) {
    auto provider = provider_of(plan_of(env));
    if (!provider) return make_error(ErrorCode::kInternal, "no provider");
    return provider->get_blocking();
  }

  // A ranged GET of bkt/data/object.bin signed by the production S3 client with `credential`.
  static int signed_get(const AwsCredential& credential) {
    Env data;
    data.options = {{"endpoint", servers_->url("data")}, {"allow_http", "true"}, {"skip_signature", "true"}};
    auto config = s3_config_from_url("s3://bkt", data.store_options());
    if (!config) return -1;
    S3Client client(*config, "test");
    auto response = engine_->execute(client.read("data/object.bin", ByteRange{1000, 4}, &credential));
    if (!response) return -2;
    if (response->status == 206 && response->body != "tail") return -3;
    return response->status;
  }
  // The credential works at the data server, and it was issued by `source`.
  static void expect_accepted(const Result<Ptr>& credential, const std::string& source) {
    ASSERT_TRUE(credential.ok()) << credential.error().message;
    auto before = servers_->accepted_by_source()[source];
    EXPECT_EQ(signed_get(**credential), 206);
    EXPECT_EQ(servers_->accepted_by_source()[source], before + 1) << "not a key issued by " << source;
  }

  static AwsCredServers* servers_;
  static std::shared_ptr<http::Engine> engine_;
};

AwsCredServers* AwsSources::servers_ = nullptr;
std::shared_ptr<http::Engine> AwsSources::engine_;

TEST_F(AwsSources, DataServerRefusesWhatNoEndpointIssued) {
  EXPECT_EQ(signed_get(AwsCredential{kStaticKey, kStaticSecret, ""}), 206);
  EXPECT_EQ(signed_get(AwsCredential{kStaticKey, "wrong-secret", ""}), 403);
  EXPECT_EQ(signed_get(AwsCredential{"AKIAUNKNOWNKEY000000", kStaticSecret, ""}), 403);
  std::set<std::string> codes;
  for (const auto& r : servers_->rejected()) codes.insert(r["code"].get<std::string>());
  EXPECT_TRUE(codes.count("SignatureDoesNotMatch") == 1 && codes.count("InvalidAccessKeyId") == 1);
}

TEST_F(AwsSources, InstanceMetadataV2) {
  Env env;
  env.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}};
  const int tokens = servers_->requests("imds_token");
  auto plan = plan_of(env);
  EXPECT_EQ(plan.kind, AwsSourceKind::kInstanceMetadata);
  auto provider = provider_of(plan);
  auto credential = provider->get_blocking();
  expect_accepted(credential, "imds");
  EXPECT_FALSE((*credential)->token.empty());
  EXPECT_EQ(servers_->requests("imds_token"), tokens + 1);
  EXPECT_TRUE(provider->refreshes());

  // The option beats the variable; a token PUT refused with 403 is not retried without a token
  // unless imdsv1_fallback is set.
  servers_->configure({{"imds_token_status", 403}, {"imdsv1", true}});
  env.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1";
  env.options = {{"metadata_endpoint", servers_->url("imds")}};
  auto refused = fetch(env);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "imdsv1_fallback")) << refused.error().message;
  env.options["imdsv1_fallback"] = "true";
  expect_accepted(fetch(env), "imds");

  // An IMDS without IMDSv1 answers 401 to token-less GETs.
  servers_->configure({{"imdsv1", false}});
  auto unauthorized = fetch(env);
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_TRUE(contains(unauthorized.error().message, "HTTP 401")) << unauthorized.error().message;
}

TEST_F(AwsSources, BurstOfRequestsSharesOneMetadataFetch) {
  Env env;
  env.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}};
  auto provider = provider_of(plan_of(env));
  const int before = servers_->requests("imds_credentials");
  std::atomic<int> ok{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 16; ++i) {
          if (provider->get_blocking().ok()) ++ok;
        }
      });
    }
  }
  EXPECT_EQ(ok.load(), 128);
  EXPECT_EQ(servers_->requests("imds_credentials"), before + 1);
}

TEST_F(AwsSources, NothingConfiguredListsEverySourceWhenMetadataIsUnreachable) {
  Env env;  // nothing but an instance metadata endpoint where nobody listens
  env.options = {{"metadata_endpoint", "http://127.0.0.1:" + std::to_string(tdump::testing::free_port())}};
  auto credential = fetch(env);
  ASSERT_FALSE(credential.ok());
  const auto& m = credential.error().message;
  EXPECT_EQ(credential.error().code, ErrorCode::kPermissionDenied);
  std::size_t last = 0;
  for (const char* part :
       {"no AWS credentials found", "access_key_id", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE",
        "profile 'default'", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "instance metadata", "skip_signature"}) {
    auto at = m.find(part, last);
    ASSERT_NE(at, std::string::npos) << part << " missing or out of order: " << m;
    last = at;
  }
  EXPECT_FALSE(contains(m, "LEAKED")) << m;
}

TEST_F(AwsSources, EcsTaskRoleRelativeUri) {
  Env env;
  env.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/0f4bd2f1-task"}};
  auto plan = plan_of(env);
  ASSERT_EQ(plan.container_url, "http://169.254.170.2/v2/credentials/0f4bd2f1-task");
  // 169.254.170.2 cannot be bound here: the same request goes to our endpoint instead.
  plan.container_url = servers_->url("container") + "/v2/credentials/0f4bd2f1-task";
  expect_accepted(provider_of(plan)->get_blocking(), "ecs");
}

TEST_F(AwsSources, EcsFullUriWithTokenAndEksPodIdentityWithRotatedTokenFile) {
  servers_->configure({{"container_token", "ecs-authorization-token"}});
  Env ecs;
  ecs.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", servers_->url("container") + "/v2/credentials/x"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ecs-authorization-token"}};
  expect_accepted(fetch(ecs), "ecs");
  ecs.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-token-value";
  auto refused = fetch(ecs);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "HTTP 401")) << refused.error().message;
  EXPECT_FALSE(contains(refused.error().message, "wrong-token-value"));

  // EKS Pod Identity: the token file wins over the token, and is read again at every fetch.
  TempDir dir("eks");
  write_file(dir / "token", "eks-token-1\n");
  servers_->configure({{"container_token", "eks-token-1"}});
  Env eks;
  eks.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", servers_->url("container") + "/v1/credentials"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (dir / "token").string()},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-this-one"}};
  auto provider = provider_of(plan_of(eks));
  auto first = provider->get_blocking();
  expect_accepted(first, "eks");
  write_file(dir / "token", "eks-token-2");
  servers_->configure({{"container_token", "eks-token-2"}});
  provider->invalidate(*first);  // as if the data server had said ExpiredToken
  auto second = provider->get_blocking();
  expect_accepted(second, "eks");
  EXPECT_NE((*first)->key_id, (*second)->key_id);
}

TEST_F(AwsSources, WebIdentityThroughOurSts) {
  TempDir dir("web");
  write_file(dir / "token", std::string(kJwt) + "\n");
  servers_->configure({{"web_identity_token", kJwt}});
  Env env;
  env.vars = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (dir / "token").string()},
              {"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/irsa"},
              {"AWS_ROLE_SESSION_NAME", "pod-session"},
              {"AWS_ENDPOINT_URL_STS", servers_->url("sts")}};
  env.options = {{"allow_http", "true"}};
  expect_accepted(fetch(env), "web");

  servers_->configure({{"web_identity_token", "another.jwt.value"}});
  auto refused = fetch(env);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().remote_code, "InvalidIdentityToken");
  EXPECT_TRUE(contains(refused.error().message, "web identity (role arn:aws:iam::111122223333:role/irsa"))
      << refused.error().message;
  EXPECT_FALSE(contains(refused.error().message, "c2lnbmF0dXJl")) << refused.error().message;

  write_file(dir / "token", "");
  auto empty = fetch(env);
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(contains(empty.error().message, "is empty"));
}

TEST_F(AwsSources, RoleArnProfilesSignAssumeRoleWithTheirSource) {
  TempDir home("home");
  write_file(home / ".aws/credentials",
             std::string("[base]\naws_access_key_id = ") + kStaticKey + "\naws_secret_access_key = " + kStaticSecret +
                 "\n[badbase]\naws_access_key_id = " + kStaticKey + "\naws_secret_access_key = not-the-secret\n");
  write_file(home / ".aws/config",
             "[profile reader]\nrole_arn = arn:aws:iam::111122223333:role/reader\nsource_profile = base\n"
             "[profile chained]\nrole_arn = arn:aws:iam::444455556666:role/second\nsource_profile = reader\n"
             "role_session_name = chained-session\n"
             "[profile bad]\nrole_arn = arn:aws:iam::111122223333:role/reader\nsource_profile = badbase\n"
             "[profile on-ec2]\nrole_arn = arn:aws:iam::111122223333:role/from-ec2\n"
             "credential_source = Ec2InstanceMetadata\n");
  Env env;
  env.home = home.path().string();
  env.options = {{"allow_http", "true"}};
  env.vars = {{"AWS_ENDPOINT_URL_STS", servers_->url("sts")},
              {"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}};
  auto state_before = servers_->state();
  for (const char* profile : {"reader", "chained", "on-ec2"}) {
    env.vars["AWS_PROFILE"] = profile;
    expect_accepted(fetch(env), "role");
  }
  // STS verified each AssumeRole signature: by the static key, by the first role's temporary
  // key (chained), and by the instance's key.
  auto accepted_by_sts = servers_->requests("sts_AssumeRole");
  EXPECT_EQ(accepted_by_sts - (state_before["requests"].contains("sts_AssumeRole")
                                   ? state_before["requests"]["sts_AssumeRole"].get<int>()
                                   : 0),
            4);
  env.vars["AWS_PROFILE"] = "bad";
  auto refused = fetch(env);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().remote_code, "SignatureDoesNotMatch");
  EXPECT_FALSE(contains(refused.error().message, "not-the-secret"));
}

TEST_F(AwsSources, SsoProfileReadsTheCliCacheAndCallsThePortal) {
  TempDir home("home");
  write_file(home / ".aws/config",
             "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
             "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
  Env env;
  env.home = home.path().string();
  env.options = {{"allow_http", "true"}};
  env.vars = {{"AWS_PROFILE", "dev"}, {"AWS_ENDPOINT_URL_SSO", servers_->url("sso")}};
  auto plan = plan_of(env);
  ASSERT_EQ(plan.kind, AwsSourceKind::kSso);

  auto missing = fetch(env);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "aws sso login --profile dev")) << missing.error().message;

  const std::string token = "aoaAAAAAGSSOACCESSTOKENFORTESTS0123456789abcdef";
  servers_->configure({{"sso_token", token}});
  write_file(plan.sso_token_file, R"({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", )"
                                  R"("accessToken": ")" +
                                      token + R"(", "expiresAt": "2099-01-01T00:00:00Z"})");
  expect_accepted(fetch(env), "sso");

  servers_->configure({{"sso_token", "another-token"}});
  auto refused = fetch(env);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "HTTP 401")) << refused.error().message;
  EXPECT_FALSE(contains(refused.error().message, token));

  write_file(plan.sso_token_file, R"({"accessToken": ")" + token + R"(", "expiresAt": "2020-01-01T00:00:00Z"})");
  auto expired = fetch(env);
  ASSERT_FALSE(expired.ok());
  EXPECT_TRUE(contains(expired.error().message, "expired")) << expired.error().message;
  EXPECT_FALSE(contains(expired.error().message, token));
}

TEST_F(AwsSources, CredentialProcessBoundedAndWithoutShell) {
  TempDir home("home");
  const auto script = home / "creds.py";
  write_file(script,
             "import json, os, sys, time\n"
             "mode = sys.argv[1]\n"
             "open(sys.argv[2], 'w').write(str(os.getpid()))\n"
             "if mode == 'ok':\n"
             "    print(json.dumps({'Version': 1, 'AccessKeyId': sys.argv[3], 'SecretAccessKey': sys.argv[4],\n"
             "                      'Expiration': '2099-01-01T00:00:00Z'}))\n"
             "elif mode == 'noexpiry':\n"
             "    print(json.dumps({'Version': 1, 'AccessKeyId': sys.argv[3], 'SecretAccessKey': sys.argv[4]}))\n"
             "elif mode == 'v2':\n"
             "    print(json.dumps({'Version': 2, 'AccessKeyId': 'a', 'SecretAccessKey': 'b'}))\n"
             "elif mode == 'fail':\n"
             "    sys.stderr.write('the secret is PROCESS-STDERR-SECRET\\n'); sys.exit(3)\n"
             "elif mode == 'slow':\n"
             "    time.sleep(60)\n"
             "elif mode == 'flood':\n"
             "    sys.stdout.write('x' * 1000000)\n");
  const auto pid_file = home / "pid";
  auto profile = [&](const std::string& mode) {
    // Quotes group words; `;` and `$HOME` are plain arguments, as without a shell.
    return "[profile p]\ncredential_process = python3 \"" + script.string() + "\" " + mode + " '" + pid_file.string() +
           "' " + kStaticKey + " " + kStaticSecret + " ';' $HOME\n";
  };
  Env env;
  env.home = home.path().string();
  env.vars = {{"AWS_PROFILE", "p"}};

  write_file(home / ".aws/config", profile("ok"));
  auto plan = plan_of(env);
  ASSERT_EQ(plan.kind, AwsSourceKind::kProcess);
  EXPECT_EQ(plan.process_command.back(), "$HOME");
  auto provider = provider_of(plan);
  auto credential = provider->get_blocking();
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  EXPECT_EQ((*credential)->key_id, kStaticKey);
  EXPECT_EQ(signed_get(**credential), 206);
  EXPECT_TRUE(provider->refreshes());

  write_file(home / ".aws/config", profile("noexpiry"));
  EXPECT_TRUE(fetch(env).ok());

  write_file(home / ".aws/config", profile("v2"));
  auto v2 = fetch(env);
  ASSERT_FALSE(v2.ok());
  EXPECT_TRUE(contains(v2.error().message, "\"Version\" must be 1"));

  write_file(home / ".aws/config", profile("fail"));
  auto failed = fetch(env);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(contains(failed.error().message, "exited with status 3")) << failed.error().message;
  EXPECT_FALSE(contains(failed.error().message, "PROCESS-STDERR-SECRET"));
  EXPECT_FALSE(contains(failed.error().message, kStaticSecret));  // arguments are not shown

  write_file(home / ".aws/config", profile("flood"));
  auto flood = fetch(env);
  ASSERT_FALSE(flood.ok());
  EXPECT_EQ(flood.error().code, ErrorCode::kLimit);

  write_file(home / ".aws/config", profile("slow"));
  auto slow_plan = plan_of(env);
  slow_plan.process_timeout = std::chrono::milliseconds(1500);
  auto slow = provider_of(slow_plan)->get_blocking();
  ASSERT_FALSE(slow.ok());
  EXPECT_TRUE(contains(slow.error().message, "did not finish within 1500 ms")) << slow.error().message;
  const pid_t pid = std::stoi(tdump::testing::read_file(pid_file));
  EXPECT_EQ(::kill(pid, 0), -1);  // killed and reaped
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(AwsSources, CredentialEndpointsAreNotFollowedThroughRedirects) {
  servers_->configure({{"redirect", "container"}});
  Env env;
  env.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", servers_->url("container") + "/v1/credentials"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-that-must-stay-home"}};
  auto credential = fetch(env);
  ASSERT_FALSE(credential.ok());
  EXPECT_TRUE(contains(credential.error().message, "redirect")) << credential.error().message;
}

TEST_F(AwsSources, StsOfMotoServerAnswersBothCalls) {
  tdump::testing::MotoServer moto;
  TempDir dir("moto");
  write_file(dir / "token", kJwt);
  write_file(dir / ".aws/credentials", std::string("[base]\naws_access_key_id = ") + kStaticKey +
                                           "\naws_secret_access_key = " + kStaticSecret + "\n");
  write_file(dir / ".aws/config",
             "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/moto\nsource_profile = base\n");
  Env web;
  web.options = {{"allow_http", "true"}};
  web.vars = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (dir / "token").string()},
              {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/moto"},
              {"AWS_ENDPOINT_URL_STS", moto.endpoint()}};
  Env role;
  role.home = dir.path().string();
  role.options = {{"allow_http", "true"}, {"profile", "role"}};
  role.vars = {{"AWS_ENDPOINT_URL_STS", moto.endpoint()}};
  for (const Env* env : {&web, &role}) {
    auto plan = plan_of(*env);
    auto provider = provider_of(plan);
    auto credential = provider->get_blocking();
    ASSERT_TRUE(credential.ok()) << credential.error().message;
    EXPECT_EQ((*credential)->key_id.substr(0, 4), "ASIA");
    EXPECT_FALSE((*credential)->token.empty());
    // moto's credentials live one hour: a second get() is answered from the cache.
    auto again = provider->get_blocking();
    EXPECT_EQ(*again, *credential);
    auto* refreshing = dynamic_cast<RefreshingCredentialProvider<AwsCredential>*>(provider.get());
    ASSERT_NE(refreshing, nullptr);
    EXPECT_EQ(refreshing->fetches(), 1U);
  }
}

// Credentials that live 5 s, a stream of signed reads for more than three lifetimes: every read
// is accepted, because the provider refreshes ahead of expiry while reads keep going.
TEST_F(AwsSources, ShortLivedCredentialsAreRefreshedDuringALongStreamOfRequests) {
  servers_->configure({{"lifetime", 5}});
  Env env;
  env.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}};
  auto provider = provider_of(plan_of(env));
  auto* refreshing = dynamic_cast<RefreshingCredentialProvider<AwsCredential>*>(provider.get());
  ASSERT_NE(refreshing, nullptr);
  const auto rejected_before = servers_->rejected().size();
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(16);
  {
    std::vector<std::jthread> readers;
    for (int t = 0; t < 4; ++t) {
      readers.emplace_back([&] {
        while (std::chrono::steady_clock::now() < end) {
          auto credential = provider->get_blocking();
          if (credential.ok() && signed_get(**credential) == 206) {
            ++ok;
          } else {
            ++failed;
          }
        }
      });
    }
  }
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 100);
  EXPECT_EQ(servers_->rejected().size(), rejected_before);
  EXPECT_GE(refreshing->fetches(), 4U);  // 16 s of 5-second credentials: at least three refreshes
}

}  // namespace
}  // namespace tdump::store

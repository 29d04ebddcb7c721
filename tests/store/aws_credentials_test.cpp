// The AWS credential chain without network: which source s3_config_from_url picks (its
// credential_plan) from options, an injected environment (nothing of the real one leaks in) and
// profile files in a temporary HOME; the precedence of every pair of sources that can both be
// present; profile chains, SSO cache file names (SHA-1 computed by openssl), FULL_URI host rules,
// the command-line split of credential_process, and that no secret reaches a message. Last, the
// answers the fuzz targets (fuzz/sts, fuzz/sso, fuzz/aws_credentials_json) once broke.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>

#include "process.hpp"
#include "store/s3/aws_credential_sources.hpp"
#include "store/s3/aws_credentials.hpp"
#include "store/s3/s3_options.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using tdump::testing::TempDir;
using tdump::testing::write_file;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Like `env -i`: the store sees only these variables.
struct Chain {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> options;
  std::string home = "/nonexistent-home";
  std::vector<std::string> warnings;

  StoreOptions store_options() {
    StoreOptions o;
    o.values = options;
    o.env = [vars = env](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    o.home = home;
    o.warn = [this](std::string_view message) { warnings.emplace_back(message); };
    return o;
  }
  Result<AwsCredentialPlan> plan(const std::string& url = "s3://bkt") {
    auto config = s3_config_from_url(url, store_options());
    if (!config) return std::move(config).error();
    EXPECT_NE(config->credential_plan, nullptr);
    EXPECT_EQ(config->credentials_source, config->credential_plan->source);
    return *config->credential_plan;
  }
};

AwsSourceKind kind_of(Chain& s) {
  auto plan = s.plan();
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan ? plan->kind : AwsSourceKind::kAnonymous;
}

std::string openssl_sha1(const std::string& text) {
  TempDir dir("sha1");
  write_file(dir / "in", text);
  auto r = tdump::testing::run_command({"openssl", "dgst", "-sha1", "-r", (dir / "in").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 40);
}

TEST(AwsCredentialChain, EmptyEnvironmentFallsBackToInstanceMetadataAfterListingEverySource) {
  Chain s;  // nothing: no keys, no HOME files, no container, no web identity
  auto plan = s.plan();
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->kind, AwsSourceKind::kInstanceMetadata);
  EXPECT_EQ(plan->metadata_endpoint, "http://169.254.169.254");
  EXPECT_FALSE(plan->imdsv1_fallback);
  ASSERT_EQ(plan->skipped.size(), 5U);
  EXPECT_TRUE(contains(plan->skipped[0], "access_key_id"));
  EXPECT_TRUE(contains(plan->skipped[1], "AWS_ACCESS_KEY_ID"));
  EXPECT_TRUE(contains(plan->skipped[2], "AWS_WEB_IDENTITY_TOKEN_FILE"));
  EXPECT_TRUE(contains(plan->skipped[3], "profile 'default'"));
  EXPECT_TRUE(contains(plan->skipped[3], "/nonexistent-home/.aws/credentials"));
  EXPECT_TRUE(contains(plan->skipped[4], "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
  EXPECT_TRUE(s.warnings.empty());
}

TEST(AwsCredentialChain, MetadataDisabledAndNothingElseIsAnErrorListingEverySourceInOrder) {
  Chain s;
  s.env["AWS_EC2_METADATA_DISABLED"] = "true";
  auto plan = s.plan();
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kPermissionDenied);
  const auto& m = plan.error().message;
  std::size_t last = 0;
  for (const char* part : {"access_key_id", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "profile 'default'",
                           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_EC2_METADATA_DISABLED", "skip_signature"}) {
    auto at = m.find(part, last);
    ASSERT_NE(at, std::string::npos) << part << " missing or out of order in: " << m;
    last = at;
  }
}

TEST(AwsCredentialChain, AnonymousBeatsEveryOtherSource) {
  Chain s;
  s.options = {{"access_key_id", "AKOPT"}, {"secret_access_key", "optsecret"}, {"skip_signature", "true"}};
  s.env = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}};
  EXPECT_EQ(kind_of(s), AwsSourceKind::kAnonymous);
  s.options = {};
  s.env = {{"AWS_NO_SIGN_REQUEST", "true"}};
  EXPECT_EQ(kind_of(s), AwsSourceKind::kAnonymous);
  s.env["AWS_NO_SIGN_REQUEST"] = "maybe";
  auto bad = s.plan();
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.error().message, "AWS_NO_SIGN_REQUEST"));
  // The option wins over the environment variable either way.
  s.env["AWS_NO_SIGN_REQUEST"] = "true";
  s.options = {{"skip_signature", "false"}};
  EXPECT_EQ(kind_of(s), AwsSourceKind::kInstanceMetadata);
}

// Every source configured at once; each step removes the winner and the next one must win.
TEST(AwsCredentialChain, PrecedenceOfEveryPairOfSources) {
  TempDir home("awshome");
  write_file(home / ".aws/credentials", "[default]\naws_access_key_id = AKPROFILE\naws_secret_access_key = psecret\n");
  write_file(home / "token.jwt", "eyJhbGciOiJSUzI1NiJ9.e30.sig");
  Chain s;
  s.home = home.path().string();
  s.options = {{"access_key_id", "AKOPT"}, {"secret_access_key", "optsecret"}};
  s.env = {{"AWS_ACCESS_KEY_ID", "AKENV"},
           {"AWS_SECRET_ACCESS_KEY", "envsecret"},
           {"AWS_WEB_IDENTITY_TOKEN_FILE", (home / "token.jwt").string()},
           {"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/web"},
           {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "containertoken"}};

  auto p = s.plan();
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kind, AwsSourceKind::kStatic);  // options > environment, web identity, profile, container, IMDS
  EXPECT_EQ(p->static_credential.key_id, "AKOPT");
  EXPECT_EQ(p->source, "options");
  EXPECT_TRUE(p->skipped.empty());

  s.options.clear();
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->static_credential.key_id, "AKENV");  // environment > web identity, profile, container
  EXPECT_EQ(p->source, "environment");
  EXPECT_EQ(p->skipped.size(), 1U);

  s.env.erase("AWS_ACCESS_KEY_ID");
  s.env.erase("AWS_SECRET_ACCESS_KEY");
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, AwsSourceKind::kWebIdentity);  // web identity > profile, container
  EXPECT_EQ(p->role_arn, "arn:aws:iam::111122223333:role/web");
  EXPECT_EQ(p->web_identity_token_file, (home / "token.jwt").string());
  EXPECT_EQ(p->role_session_name, "WebIdentitySession");
  EXPECT_EQ(p->sts_endpoint, "https://sts.us-east-1.amazonaws.com");

  s.env.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, AwsSourceKind::kStatic);  // profile > container
  EXPECT_EQ(p->static_credential.key_id, "AKPROFILE");
  EXPECT_EQ(p->source, "profile 'default'");
  ASSERT_EQ(p->skipped.size(), 3U);
  EXPECT_TRUE(contains(p->skipped[2], "AWS_ROLE_ARN"));  // a role without a token file is named

  std::filesystem::remove(home / ".aws/credentials");
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, AwsSourceKind::kContainer);  // container > IMDS; RELATIVE_URI > FULL_URI
  EXPECT_EQ(p->container_url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(p->container_token, "containertoken");

  s.env.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->container_url, "http://169.254.170.23/v1/credentials");  // EKS Pod Identity

  s.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = (home / "eks-token").string();
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->container_token_file, (home / "eks-token").string());  // token file > token
  EXPECT_TRUE(p->container_token.empty());

  s.env.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(kind_of(s), AwsSourceKind::kInstanceMetadata);
}

// The same, pair by pair: only two sources present, the earlier one in the chain wins.
TEST(AwsCredentialChain, EachPairOfSourcesAlone) {
  TempDir home("awshome");
  write_file(home / "token.jwt", "eyJhbGciOiJSUzI1NiJ9.e30.sig");
  struct Source {
    const char* name;
    AwsSourceKind kind;
    std::function<void(Chain&)> add;
  };
  const std::vector<Source> sources = {
      {"options", AwsSourceKind::kStatic,
       [](Chain& c) {
         c.options["access_key_id"] = "AKOPT";
         c.options["secret_access_key"] = "s";
       }},
      {"environment", AwsSourceKind::kStatic,
       [](Chain& c) {
         c.env["AWS_ACCESS_KEY_ID"] = "AKENV";
         c.env["AWS_SECRET_ACCESS_KEY"] = "s";
       }},
      {"web identity", AwsSourceKind::kWebIdentity,
       [&](Chain& c) {
         c.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = (home / "token.jwt").string();
         c.env["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/r";
       }},
      {"profile", AwsSourceKind::kProcess,
       [&](Chain& c) {
         c.home = home.path().string();
         c.env["AWS_PROFILE"] = "p";
       }},
      {"container", AwsSourceKind::kContainer,
       [](Chain& c) { c.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds"; }},
  };
  write_file(home / ".aws/config", "[profile p]\ncredential_process = /bin/true\n");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (std::size_t j = i + 1; j <= sources.size(); ++j) {  // j == size: with instance metadata only
      Chain c;
      sources[i].add(c);
      if (j < sources.size()) sources[j].add(c);
      auto p = c.plan();
      ASSERT_TRUE(p.ok()) << p.error().message;
      EXPECT_EQ(p->kind, sources[i].kind)
          << sources[i].name << " vs " << (j < sources.size() ? sources[j].name : "instance metadata");
      if (i < 2) EXPECT_EQ(p->static_credential.key_id, i == 0 ? "AKOPT" : "AKENV");
    }
  }
}

TEST(AwsCredentialChain, OptionsBeatTheirEnvironmentVariables) {
  TempDir home("awshome");
  write_file(home / "a.jwt", "a");
  write_file(home / "b.jwt", "b");
  Chain s;
  s.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (home / "a.jwt").string()},
           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/env"},
           {"AWS_ROLE_SESSION_NAME", "envsession"},
           {"AWS_ENDPOINT_URL_STS", "https://sts.env.example"}};
  s.options = {{"web_identity_token_file", (home / "b.jwt").string()},
               {"aws_role_arn", "arn:aws:iam::1:role/opt"},
               {"role_session_name", "optsession"},
               {"endpoint_url_sts", "https://sts.opt.example"}};
  auto p = s.plan();
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->web_identity_token_file, (home / "b.jwt").string());
  EXPECT_EQ(p->role_arn, "arn:aws:iam::1:role/opt");
  EXPECT_EQ(p->role_session_name, "optsession");
  EXPECT_EQ(p->sts_endpoint, "https://sts.opt.example");
  s.options.clear();
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role_arn, "arn:aws:iam::1:role/env");
  EXPECT_EQ(p->role_session_name, "envsession");
  EXPECT_EQ(p->sts_endpoint, "https://sts.env.example");
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();

  // Instance metadata: metadata_endpoint (option, AWS_METADATA_ENDPOINT), then
  // AWS_EC2_METADATA_SERVICE_ENDPOINT, then the IPv6 mode, then the default.
  Chain m;
  m.env = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}};
  m.options = {{"metadata_endpoint", "http://127.0.0.1:8"}, {"imdsv1_fallback", "true"}};
  p = m.plan();
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->metadata_endpoint, "http://127.0.0.1:8");
  EXPECT_TRUE(p->imdsv1_fallback);
  m.options.clear();
  p = m.plan();
  EXPECT_EQ(p->metadata_endpoint, "http://127.0.0.1:9/");
  EXPECT_FALSE(p->imdsv1_fallback);
  m.env = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}, {"AWS_IMDSV1_FALLBACK", "true"}};
  p = m.plan();
  EXPECT_EQ(p->metadata_endpoint, "http://[fd00:ec2::254]");
  EXPECT_TRUE(p->imdsv1_fallback);
  EXPECT_TRUE(m.warnings.empty());
}

TEST(AwsCredentialChain, WebIdentityNeedsBothPiecesAndHttpStsNeedsAllowHttp) {
  Chain s;
  s.env = {{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}};
  auto p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, AwsSourceKind::kInstanceMetadata);
  EXPECT_TRUE(contains(p->skipped[2], "environment variable AWS_ROLE_ARN is set"));

  Chain h;
  h.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
           {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1"}};
  auto refused = h.plan();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "allow_http"));
  h.options = {{"allow_http", "true"}};
  p = h.plan();
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->sts_endpoint, "http://127.0.0.1:1");

  Chain r;  // the regional endpoint follows the store's region
  r.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}};
  r.options = {{"region", "eu-west-3"}};
  EXPECT_EQ(r.plan()->sts_endpoint, "https://sts.eu-west-3.amazonaws.com");
  r.options = {{"region", "cn-north-1"}};
  EXPECT_EQ(r.plan()->sts_endpoint, "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(AwsCredentialChain, ProfileKindsAndTheirOrderWithinAProfile) {
  TempDir home("awshome");
  write_file(home / ".aws/config",
             "[profile all]\n"
             "role_arn = arn:aws:iam::1:role/all\nsource_profile = keys\n"
             "sso_session = corp\nsso_account_id = 111\nsso_role_name = Reader\n"
             "credential_process = /bin/echo\n"
             "[profile sso-and-process]\nsso_session = corp\nsso_account_id = 111\nsso_role_name = Reader\n"
             "credential_process = /bin/echo\n"
             "[profile keys-and-process]\naws_access_key_id = AKKEYS\naws_secret_access_key = s\n"
             "credential_process = /bin/echo\n"
             "[profile process]\ncredential_process = \"/opt/my tools/creds\" --account 'a b' x\\ y\n"
             "[profile keys]\naws_access_key_id = AKSOURCE\naws_secret_access_key = sourcesecret\n"
             "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
  Chain s;
  s.home = home.path().string();
  auto with = [&](const std::string& profile) {
    s.options = {{"profile", profile}};
    return s.plan();
  };
  auto all = with("all");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->kind, AwsSourceKind::kAssumeRole);  // role_arn first
  auto sso = with("sso-and-process");
  ASSERT_TRUE(sso.ok()) << sso.error().message;
  EXPECT_EQ(sso->kind, AwsSourceKind::kSso);  // then SSO
  auto keys = with("keys-and-process");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->kind, AwsSourceKind::kStatic);  // then static keys
  auto process = with("process");
  ASSERT_TRUE(process.ok()) << process.error().message;
  EXPECT_EQ(process->kind, AwsSourceKind::kProcess);  // then credential_process
  EXPECT_EQ(process->process_command, (std::vector<std::string>{"/opt/my tools/creds", "--account", "a b", "x y"}));
  EXPECT_EQ(process->source, "profile 'process' (credential_process '/opt/my tools/creds')");
}

TEST(AwsCredentialChain, RoleArnProfilesChainLoopAndSources) {
  TempDir home("awshome");
  write_file(home / ".aws/credentials", "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = basesecret\n");
  write_file(
      home / ".aws/config",
      "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = middle\nrole_session_name = s1\n"
      "external_id = ext-1\nduration_seconds = 900\n"
      "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = base\n"
      "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n"
      "aws_access_key_id = AKSELF\naws_secret_access_key = selfsecret\n"
      "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n"
      "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n"
      "[profile env]\nrole_arn = arn:aws:iam::1:role/env\ncredential_source = Environment\n"
      "[profile ec2]\nrole_arn = arn:aws:iam::1:role/ec2\ncredential_source = Ec2InstanceMetadata\n"
      "[profile ecs]\nrole_arn = arn:aws:iam::1:role/ecs\ncredential_source = EcsContainer\n"
      "[profile both]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\nsource_profile = base\n"
      "[profile neither]\nrole_arn = arn:aws:iam::1:role/x\n"
      "[profile mfa]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/u\n"
      "[profile long]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\nduration_seconds = 99999\n"
      "[profile missing-source]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = nobody\n"
      "[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = /var/run/token\n");
  Chain s;
  s.home = home.path().string();
  s.options = {{"profile", "top"}, {"region", "ap-south-1"}};
  auto top = s.plan();
  ASSERT_TRUE(top.ok()) << top.error().message;
  EXPECT_EQ(top->kind, AwsSourceKind::kAssumeRole);
  EXPECT_EQ(top->role_arn, "arn:aws:iam::1:role/top");
  EXPECT_EQ(top->role_session_name, "s1");
  EXPECT_EQ(top->external_id, "ext-1");
  EXPECT_EQ(top->duration_seconds, 900);
  EXPECT_EQ(top->sts_endpoint, "https://sts.ap-south-1.amazonaws.com");
  EXPECT_EQ(top->sts_region, "ap-south-1");
  ASSERT_NE(top->source_plan, nullptr);
  EXPECT_EQ(top->source_plan->kind, AwsSourceKind::kAssumeRole);
  EXPECT_EQ(top->source_plan->role_arn, "arn:aws:iam::1:role/middle");
  ASSERT_NE(top->source_plan->source_plan, nullptr);
  EXPECT_EQ(top->source_plan->source_plan->static_credential.key_id, "AKBASE");
  EXPECT_EQ(top->source,
            "profile 'top' (role arn:aws:iam::1:role/top, assumed with profile 'middle' (role "
            "arn:aws:iam::1:role/middle, assumed with profile 'base'))");

  auto run = [&](const std::string& profile) {
    s.options = {{"profile", profile}};
    return s.plan();
  };
  auto self = run("self");
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->source_plan->static_credential.key_id, "AKSELF");

  auto loop = run("loop-a");
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(loop.error().message, "loop-a -> loop-b -> loop-a")) << loop.error().message;

  s.env = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}, {"AWS_PROFILE", "env"}};
  s.options.clear();
  EXPECT_EQ(s.plan()->source, "environment");  // AWS_PROFILE does not outrank environment keys...
  auto env_source = run("env");                // ...the profile option does (botocore's rule)
  ASSERT_TRUE(env_source.ok()) << env_source.error().message;
  EXPECT_EQ(env_source->kind, AwsSourceKind::kAssumeRole);
  EXPECT_EQ(env_source->source_plan->source, "environment");
  EXPECT_EQ(env_source->source_plan->static_credential.key_id, "AKENV");
  EXPECT_EQ(env_source->skipped.size(), 1U);
  s.options.clear();
  s.env = {{"AWS_PROFILE", "env"}};
  auto env_missing = s.plan();
  ASSERT_FALSE(env_missing.ok());
  EXPECT_TRUE(contains(env_missing.error().message, "credential_source = Environment"));

  s.env = {{"AWS_PROFILE", "ec2"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:7"}};
  auto ec2 = s.plan();
  ASSERT_TRUE(ec2.ok()) << ec2.error().message;
  EXPECT_EQ(ec2->source_plan->kind, AwsSourceKind::kInstanceMetadata);
  EXPECT_EQ(ec2->source_plan->metadata_endpoint, "http://127.0.0.1:7");

  s.env = {{"AWS_PROFILE", "ecs"}};
  EXPECT_FALSE(s.plan().ok());
  s.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  auto ecs = s.plan();
  ASSERT_TRUE(ecs.ok());
  EXPECT_EQ(ecs->kind, AwsSourceKind::kAssumeRole);  // the profile comes before the container itself
  EXPECT_EQ(ecs->source_plan->container_url, "http://169.254.170.2/creds");

  s.env.clear();
  for (const auto& [profile, expected] :
       std::map<std::string, std::string>{{"both", "both source_profile and credential_source"},
                                          {"neither", "without source_profile or credential_source"},
                                          {"mfa", "mfa_serial"},
                                          {"long", "duration_seconds '99999'"},
                                          {"missing-source", "source_profile 'nobody'"}}) {
    auto bad = run(profile);
    ASSERT_FALSE(bad.ok()) << profile;
    EXPECT_TRUE(contains(bad.error().message, expected)) << bad.error().message;
  }
  auto web = run("web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->kind, AwsSourceKind::kWebIdentity);
  EXPECT_EQ(web->web_identity_token_file, "/var/run/token");
}

TEST(AwsCredentialChain, NamedProfileMustExistTheDefaultOneNeedNot) {
  TempDir home("awshome");
  write_file(home / ".aws/config", "[default]\nregion = eu-north-1\n");
  Chain s;
  s.home = home.path().string();
  auto p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, AwsSourceKind::kInstanceMetadata);  // a default profile with a region only
  EXPECT_TRUE(contains(p->skipped[3], "no credentials in it"));
  s.env["AWS_PROFILE"] = "nosuch";
  auto missing = s.plan();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(missing.error().message, "'nosuch'"));
}

TEST(AwsCredentialChain, SsoProfilesUseTheCacheFileTheCliWrites) {
  TempDir home("awshome");
  write_file(home / ".aws/config",
             "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
             "[sso-session my-sso]\nsso_start_url = https://my-sso-portal.awsapps.com/start\nsso_region = us-east-2\n"
             "[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = eu-west-1\n"
             "sso_account_id = 444455556666\nsso_role_name = Admin\n"
             "[profile broken]\nsso_session = nosuch\nsso_account_id = 1\nsso_role_name = r\n"
             "[profile partial]\nsso_session = my-sso\nsso_account_id = 1\n");
  Chain s;
  s.home = home.path().string();
  s.env = {{"AWS_PROFILE", "dev"}};
  auto dev = s.plan();
  ASSERT_TRUE(dev.ok()) << dev.error().message;
  EXPECT_EQ(dev->kind, AwsSourceKind::kSso);
  EXPECT_EQ(dev->sso_token_file, (home / (".aws/sso/cache/" + openssl_sha1("my-sso") + ".json")).string());
  EXPECT_EQ(dev->sso_portal, "https://portal.sso.us-east-2.amazonaws.com");
  EXPECT_EQ(dev->sso_account_id, "111122223333");
  EXPECT_EQ(dev->sso_role_name, "ReadOnly");
  EXPECT_EQ(dev->sso_login_hint, "aws sso login --profile dev");

  s.env = {{"AWS_PROFILE", "legacy"}};
  auto legacy = s.plan();
  ASSERT_TRUE(legacy.ok()) << legacy.error().message;
  EXPECT_EQ(legacy->sso_token_file,
            (home / (".aws/sso/cache/" + openssl_sha1("https://legacy.awsapps.com/start") + ".json")).string());
  EXPECT_EQ(legacy->sso_portal, "https://portal.sso.eu-west-1.amazonaws.com");

  s.env["AWS_ENDPOINT_URL_SSO"] = "http://127.0.0.1:5";
  EXPECT_TRUE(contains(s.plan().error().message, "allow_http"));
  s.options = {{"allow_http", "true"}};
  EXPECT_EQ(s.plan()->sso_portal, "http://127.0.0.1:5");

  s.options.clear();
  s.env = {{"AWS_PROFILE", "broken"}};
  EXPECT_TRUE(contains(s.plan().error().message, "[sso-session nosuch]"));
  s.env = {{"AWS_PROFILE", "partial"}};
  EXPECT_TRUE(contains(s.plan().error().message, "sso_role_name"));
}

TEST(AwsCredentialChain, FullUriOverPlainHttpOnlyToTheHostsTheSdksAllow) {
  for (const char* allowed : {"http://127.0.0.1:1234/creds", "http://127.3.4.5/x", "http://169.254.170.2/v2/x",
                              "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
                              "http://[::1]:80/x", "http://localhost:8080/x", "https://credentials.example.com/x"}) {
    Chain s;
    s.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed}};
    auto p = s.plan();
    ASSERT_TRUE(p.ok()) << allowed << ": " << p.error().message;
    EXPECT_EQ(p->container_url, allowed);
  }
  for (const char* refused : {"http://10.0.0.1/creds", "http://169.254.169.254/latest", "http://192.0.2.7/x",
                              "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x"}) {
    Chain s;
    s.options = {{"container_credentials_full_uri", refused}};
    auto p = s.plan();
    ASSERT_FALSE(p.ok()) << refused;
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(contains(p.error().message, "pw@")) << p.error().message;
  }
  Chain relative;
  relative.env = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "no-slash"}};
  EXPECT_FALSE(relative.plan().ok());
}

TEST(AwsCredentialChain, CredentialProcessCommandLines) {
  auto split = [](std::string_view text) { return split_command_line(text); };
  EXPECT_EQ(*split("/usr/bin/creds"), (std::vector<std::string>{"/usr/bin/creds"}));
  EXPECT_EQ(*split("  aws-vault  export  --format=json prod "),
            (std::vector<std::string>{"aws-vault", "export", "--format=json", "prod"}));
  EXPECT_EQ(*split(R"("/path/with space/creds.sh" plain "arg with spaces" 'single "quoted"')"),
            (std::vector<std::string>{"/path/with space/creds.sh", "plain", "arg with spaces", "single \"quoted\""}));
  EXPECT_EQ(*split(R"(a "b\"c" d\ e "$HOME" ~ ; | >x)"),
            (std::vector<std::string>{"a", "b\"c", "d e", "$HOME", "~", ";", "|", ">x"}));  // nothing expanded
  EXPECT_EQ(*split(R"(x "")"), (std::vector<std::string>{"x", ""}));
  auto unbalanced = split("creds \"--secret=hunter2");
  ASSERT_FALSE(unbalanced.ok());
  EXPECT_FALSE(contains(unbalanced.error().message, "hunter2"));
  EXPECT_FALSE(split("   ").ok());
}

TEST(AwsCredentialChain, NoSecretInSourcesOrErrors) {
  TempDir home("awshome");
  write_file(home / ".aws/config",
             "[profile p]\ncredential_process = /bin/creds --password SECRETARG\n"
             "[profile half]\naws_access_key_id = AKHALF\n");
  Chain s;
  s.home = home.path().string();
  s.env = {{"AWS_PROFILE", "p"}, {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "SECRETTOKEN"}};
  auto p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(contains(p->source, "SECRETARG"));
  s.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c?sig=SECRETQUERY"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "SECRETTOKEN"}};
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(contains(p->source, "SECRETTOKEN"));
  EXPECT_FALSE(contains(p->source, "SECRETQUERY"));
  s.options = {{"access_key_id", "AKOPT"}, {"secret_access_key", "SECRETKEY"}, {"session_token", "SECRETSESSION"}};
  p = s.plan();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->source, "options");
  s.options = {{"secret_access_key", "SECRETKEY"}};
  auto half = s.plan();
  ASSERT_FALSE(half.ok());
  EXPECT_FALSE(contains(half.error().message, "SECRETKEY"));
  s.options = {{"aws_token", "SECRETSESSION"}};
  half = s.plan();
  ASSERT_FALSE(half.ok());
  EXPECT_FALSE(contains(half.error().message, "SECRETSESSION"));
}

TEST(AwsConfigFiles, NestedSubPropertiesAreNotTheProfilesKeys) {
  auto sections = parse_ini(
      "[profile a]\n"
      "s3 =\n"
      "  region = wrong\n"
      "  max_concurrent_requests = 10\n"
      "region = eu-west-1\n"
      "  role_arn = arn:aws:iam::1:role/indented\n"
      "# a comment\n"
      "[sso-session corp]\nsso_region=us-east-2\r\n");
  const auto& a = sections["profile a"];
  EXPECT_EQ(a.at("region"), "eu-west-1");
  EXPECT_EQ(a.at("role_arn"), "arn:aws:iam::1:role/indented");  // indented, but not under an empty property
  EXPECT_EQ(a.count("max_concurrent_requests"), 0U);
  EXPECT_EQ(sections["sso-session corp"].at("sso_region"), "us-east-2");
}

TEST(AwsConfigFiles, FilesAreReadWithABound) {
  TempDir dir("ini");
  write_file(dir / "big", std::string(2U << 20, 'x'));
  auto big = read_file_bounded((dir / "big").string(), 1U << 20);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kLimit);
  auto endless = read_file_bounded("/dev/zero", 4096);  // never read whole
  ASSERT_FALSE(endless.ok());
  EXPECT_EQ(endless.error().code, ErrorCode::kLimit);
  write_file(dir / "small", "abc");
  EXPECT_EQ(*read_file_bounded((dir / "small").string(), 3), "abc");
  EXPECT_EQ(read_file_bounded((dir / "missing").string(), 3).error().code, ErrorCode::kIo);
}

TEST(AwsCredentialChain, ObstoreCredentialOptionsAreSupportedNotIgnored) {
  Chain s;
  s.options = {{"aws_imdsv1_fallback", "true"},
               {"aws_metadata_endpoint", "http://127.0.0.1:1"},
               {"container_credentials_relative_uri", "/c"},
               {"aws_container_credentials_full_uri", "http://127.0.0.1:2/c"},
               {"container_authorization_token_file", "/t"},
               {"aws_web_identity_token_file", "/w"},
               {"role_arn", "arn:aws:iam::1:role/r"},
               {"aws_role_session_name", "s"},
               {"aws_endpoint_url_sts", "https://sts.example"}};
  auto p = s.plan();
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  for (const auto& key : {"imdsv1_fallback", "metadata_endpoint", "container_credentials_relative_uri",
                          "container_credentials_full_uri", "container_authorization_token_file",
                          "web_identity_token_file", "role_arn", "role_session_name", "endpoint_url_sts"}) {
    bool known = false;
    for (const auto& option : s3_option_keys()) {
      if (option.name == key) {
        known = true;
        EXPECT_TRUE(option.supported) << key;
      }
    }
    EXPECT_TRUE(known) << key;
  }
}

// Found by fuzz/aws_credentials_json, fuzz/sts and fuzz/sso: an Expiration outside the years
// system_clock can count in nanoseconds (1677..2262) overflowed it (undefined behaviour). It is
// now held within it: a credential that expired in 1013 is expired, one that lasts until 9999 is
// valid.
TEST(AwsCredentialAnswers, InstantsConvertExactlyInsideTheClockAndAreHeldWithinItOutside) {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  EXPECT_EQ(credential_time(std::chrono::seconds(1'700'000'000)), CredentialClock::from_time_t(1'700'000'000));
  EXPECT_EQ(credential_time(milliseconds(1'700'000'000'123)),
            CredentialClock::from_time_t(1'700'000'000) + milliseconds(123));
  EXPECT_EQ(credential_time(milliseconds(9'796'210'529'000)), CredentialClock::time_point::max());
  // Before 1970 is long past: the epoch, so that `expires - now` cannot overflow either.
  EXPECT_EQ(credential_time(microseconds(-30'171'011'871'000'000)), CredentialClock::time_point{});
  EXPECT_EQ(credential_time(milliseconds(std::numeric_limits<std::int64_t>::min())), CredentialClock::time_point{});
  EXPECT_EQ(credential_time(milliseconds(std::numeric_limits<std::int64_t>::max())),
            CredentialClock::time_point::max());
}

TEST(AwsCredentialAnswers, ExpirationsCenturiesAwayAreExpiredOrFarAhead) {
  const auto year_2200 = CredentialClock::from_time_t(7'258'118'400);
  auto json = [](const std::string& expiration) {
    return R"({"Code": "Success", "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s", "Token": "t", "Expiration": ")" +
           expiration + "\"}";
  };
  auto past = aws::parse_json_credentials(json("1013-12-02T11:22:09Z"), "imds", true);
  ASSERT_TRUE(past.ok()) << past.error().message;
  EXPECT_LT(*past->expires, CredentialClock::now());
  auto future = aws::parse_json_credentials(json("9999-12-31T23:59:59Z"), "imds", true);
  ASSERT_TRUE(future.ok()) << future.error().message;
  EXPECT_GT(*future->expires, year_2200);

  http::Response sts;
  sts.status = 200;
  sts.body =
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s"
      "</SecretAccessKey><SessionToken>t</SessionToken><Expiration>1013-12-02T11:22:09Z</Expiration></Credentials>"
      "</AssumeRoleResult></AssumeRoleResponse>";
  auto role = aws::parse_sts_response(sts, "AssumeRoleResult", "STS", {});
  ASSERT_TRUE(role.ok()) << role.error().message;
  EXPECT_LT(*role->expires, CredentialClock::now());

  auto sso = aws::parse_sso_role_credentials(
      R"({"roleCredentials": {"accessKeyId": "ASIA2", "secretAccessKey": "s", "sessionToken": "t",)"
      R"( "expiration": 9796210529000}})",
      "SSO");
  ASSERT_TRUE(sso.ok()) << sso.error().message;
  EXPECT_GT(*sso->expires, year_2200);
}

// Found by fuzz/sts: a server that echoed the web identity JWT into <Code> had it shown in the
// error's message and remote code.
TEST(AwsCredentialAnswers, StsErrorCodesNeverEchoTheRequestSecrets) {
  const std::string jwt = "eyJ.short.jwt";
  http::Response response;
  response.status = 400;
  response.body =
      "<ErrorResponse><Error><Code>Bad" + jwt + "</Code><Message>no " + jwt + "</Message></Error></ErrorResponse>";
  auto error = aws::parse_sts_response(response, "AssumeRoleWithWebIdentityResult", "STS", {jwt});
  ASSERT_FALSE(error.ok());
  EXPECT_FALSE(contains(error.error().describe(), jwt)) << error.error().describe();
  EXPECT_TRUE(contains(error.error().describe(), "Bad(redacted)")) << error.error().describe();
  // Plain codes are kept as they are: ExpiredToken makes AssumeRole invalidate its source.
  response.body = "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>m</Message></Error></ErrorResponse>";
  auto expired = aws::parse_sts_response(response, "AssumeRoleResult", "STS", {jwt});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().remote_code, "ExpiredToken");
}

}  // namespace
}  // namespace tdump::store

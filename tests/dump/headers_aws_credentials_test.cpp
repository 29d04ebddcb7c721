// `tiff-dumper headers` run with `env -i` (only the variables each source needs) against a bucket
// of our S3 data server (tests/store/aws_cred_servers.py) that accepts only credentials issued by
// our IMDSv2, container, STS and SSO endpoints: for each AWS source the run must complete with one
// row per TIFF, the data server must have accepted keys of that source only, and no issued secret
// may appear on stdout / stderr or in any file of OUT_DIR. A last run lasts more than three
// lifetimes of 5-second credentials and must lose no key.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "aws_cred_servers.hpp"
#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::store::testing::AwsCredServers;
using tdump::testing::TempDir;
using tdump::testing::write_file;

constexpr const char* kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlMmUifQ.ZTJlLXNpZ25hdHVyZS1vZi10aGUtand0";
constexpr const char* kStaticKey = "AKIAE2ESTATICKEY0001";
constexpr const char* kStaticSecret = "e2e/static+secret/0123456789abcdef";
constexpr const char* kSsoToken = "aoaAAAAE2ESSOACCESSTOKEN0123456789abcdefghijklmnop";
constexpr const char* kContainerToken = "e2e-container-authorization-token-0123456789";

class HeadersAws : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    servers_ = new AwsCredServers(3600, {{kStaticKey, kStaticSecret}});
    for (const auto& f : tdump::tiff::testing::valid_fixtures()) {
      fs::create_directories(servers_->root() / "tiffs/cogs");
      fs::copy_file(f, servers_->root() / "tiffs/cogs" / f.filename());
      ++fixtures_;
    }
    servers_->configure({{"web_identity_token", kJwt}, {"sso_token", kSsoToken}, {"container_token", kContainerToken}});
  }
  static void TearDownTestSuite() {
    delete servers_;
    servers_ = nullptr;
  }

  struct Run {
    tdump::testing::CommandResult result;
    fs::path out;
  };
  // tiff-dumper headers under `env -i` with only PATH, HOME and `vars`.
  static Run run(const TempDir& tmp, const std::map<std::string, std::string>& vars,
                 const std::string& extra_options = {}, const std::string& concurrency = {}) {
    std::string yaml = "store:\n  name: s3://tiffs\n  obstore_config:\n    endpoint: " + servers_->url("data") +
                       "\n    allow_http: true\n    region: us-east-1\n" + extra_options +
                       (concurrency.empty() ? "concurrency:\n  n_consumers: 16\n  list_chunk_size: 50\n"
                                              "  write_chunk_size: 100\n  max_buffer_size: 1000\n"
                                            : concurrency);
    auto config = tmp.path() / "config.yaml";
    write_file(config, yaml);
    Run r;
    r.out = tmp.path() / "out";
    std::vector<std::string> argv = {"env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + tmp.path().string()};
    for (const auto& [name, value] : vars) argv.push_back(name + "=" + value);
    for (const auto& arg : {std::string(TDUMP_CLI_PATH), std::string("headers"), std::string("--quiet"),
                            config.string(), r.out.string()}) {
      argv.push_back(arg);
    }
    r.result = tdump::testing::run_command(argv);
    return r;
  }

  // Every key once, the run accepted by the data server with keys of `source` only, no secret anywhere.
  static void expect_complete_run(const Run& r, const std::string& source, const std::map<std::string, int>& before) {
    ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
    auto rows = tdump::testing::duckdb_query("SELECT count(*) AS n FROM " + data_files(r.out));
    EXPECT_EQ(rows[0]["n"].is_string() ? std::stoi(rows[0]["n"].get<std::string>()) : rows[0]["n"].get<int>(),
              fixtures_);
    auto after = servers_->accepted_by_source();
    for (const auto& [issuer, n] : after) {
      const int was = before.count(issuer) != 0 ? before.at(issuer) : 0;
      if (issuer == source) {
        EXPECT_GT(n, was) << "no request signed by a key of " << source;
      } else {
        EXPECT_EQ(n, was) << "requests signed by a key of " << issuer << " in a run that should use " << source;
      }
    }
    expect_no_secret(r);
  }

  static void expect_no_secret(const Run& r) {
    std::vector<std::string> secrets = {kJwt, kStaticSecret, kSsoToken, kContainerToken};
    for (const auto& issued : servers_->state()["issued"]) {
      secrets.push_back(issued["secret"].get<std::string>());
      if (!issued["token"].get<std::string>().empty()) secrets.push_back(issued["token"].get<std::string>());
    }
    std::vector<std::pair<std::string, std::string>> texts = {{"stdout", r.result.out}, {"stderr", r.result.err}};
    if (fs::exists(r.out)) {
      for (const auto& e : fs::recursive_directory_iterator(r.out)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        texts.emplace_back(e.path().string(), bytes.str());
      }
    }
    for (const auto& [where, text] : texts) {
      for (const auto& secret : secrets) {
        EXPECT_EQ(text.find(secret), std::string::npos) << "a secret in " << where;
      }
    }
  }

  static AwsCredServers* servers_;
  static int fixtures_;
};

AwsCredServers* HeadersAws::servers_ = nullptr;
int HeadersAws::fixtures_ = 0;

TEST_F(HeadersAws, InstanceMetadataV2) {
  TempDir tmp;
  auto before = servers_->accepted_by_source();
  expect_complete_run(run(tmp, {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}}), "imds", before);
}

TEST_F(HeadersAws, EcsFullUriWithToken) {
  TempDir tmp;
  auto before = servers_->accepted_by_source();
  expect_complete_run(
      run(tmp, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", servers_->url("container") + "/v2/credentials/t"},
                {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kContainerToken}}),
      "ecs", before);
}

TEST_F(HeadersAws, EksPodIdentityTokenFile) {
  TempDir tmp;
  write_file(tmp / "eks-token", kContainerToken);
  auto before = servers_->accepted_by_source();
  expect_complete_run(run(tmp, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", servers_->url("container") + "/v1/credentials"},
                                {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (tmp / "eks-token").string()}}),
                      "eks", before);
}

TEST_F(HeadersAws, WebIdentityThroughSts) {
  TempDir tmp;
  write_file(tmp / "token.jwt", kJwt);
  auto before = servers_->accepted_by_source();
  expect_complete_run(run(tmp, {{"AWS_WEB_IDENTITY_TOKEN_FILE", (tmp / "token.jwt").string()},
                                {"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/irsa"},
                                {"AWS_ENDPOINT_URL_STS", servers_->url("sts")}}),
                      "web", before);
}

TEST_F(HeadersAws, SsoProfile) {
  TempDir tmp;
  write_file(tmp / ".aws/config",
             "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
             "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
  // ~/.aws/sso/cache/<SHA-1 of the session name>.json, as `aws sso login` writes it.
  auto sha1 = tdump::testing::run_command({"sh", "-c", "printf %s corp | openssl dgst -sha1 -r"}).out.substr(0, 40);
  write_file(tmp / (".aws/sso/cache/" + sha1 + ".json"),
             std::string(R"({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": ")") +
                 kSsoToken + R"(", "expiresAt": "2099-01-01T00:00:00Z"})");
  auto before = servers_->accepted_by_source();
  expect_complete_run(run(tmp, {{"AWS_PROFILE", "dev"}, {"AWS_ENDPOINT_URL_SSO", servers_->url("sso")}}), "sso",
                      before);
}

TEST_F(HeadersAws, RoleArnProfile) {
  TempDir tmp;
  write_file(tmp / ".aws/credentials", std::string("[base]\naws_access_key_id = ") + kStaticKey +
                                           "\naws_secret_access_key = " + kStaticSecret + "\n");
  write_file(tmp / ".aws/config",
             "[profile reader]\nrole_arn = arn:aws:iam::111122223333:role/reader\nsource_profile = base\n");
  auto before = servers_->accepted_by_source();
  auto r = run(tmp, {{"AWS_PROFILE", "reader"}, {"AWS_ENDPOINT_URL_STS", servers_->url("sts")}});
  // The static key signs AssumeRole only (STS counts it as accepted too); S3 sees the role's keys.
  expect_complete_run(r, "role", before);
}

TEST_F(HeadersAws, CredentialProcess) {
  TempDir tmp;
  write_file(tmp / "creds.py",
             "import json, sys\nprint(json.dumps({'Version': 1, 'AccessKeyId': sys.argv[1], 'SecretAccessKey': "
             "sys.argv[2], 'Expiration': '2099-01-01T00:00:00Z'}))\n");
  write_file(tmp / ".aws/config", "[profile tool]\ncredential_process = python3 \"" + (tmp / "creds.py").string() +
                                      "\" " + kStaticKey + " " + kStaticSecret + "\n");
  auto before = servers_->accepted_by_source();
  expect_complete_run(run(tmp, {{"AWS_PROFILE", "tool"}}), "static", before);
}

// 5-second credentials, and a data server that takes 100 ms per object GET: with 2 consumers the
// run lasts well over three lifetimes, and must end with every key written and nothing refused.
TEST_F(HeadersAws, RunLongerThanThreeCredentialLifetimesLosesNoKey) {
  for (int copy = 0; copy < 2; ++copy) {
    for (const auto& f : tdump::tiff::testing::valid_fixtures()) {
      auto target = servers_->root() / "tiffs/long" / std::to_string(copy) / f.filename();
      if (!fs::exists(target)) {
        fs::create_directories(target.parent_path());
        fs::copy_file(f, target);
      }
    }
  }
  servers_->configure({{"lifetime", 5}, {"data_delay_ms", 100}});
  TempDir tmp;
  const auto rejected_before = servers_->rejected().size();
  const auto issued_before = servers_->state()["issued"].size();
  auto r = run(tmp, {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", servers_->url("imds")}}, {},
               "concurrency:\n  n_consumers: 2\n  list_chunk_size: 10\n  write_chunk_size: 100\n"
               "  max_buffer_size: 1000\n");
  servers_->configure({{"lifetime", 3600}, {"data_delay_ms", 0}});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  auto written = keys_written(r.out);
  EXPECT_EQ(static_cast<int>(written.size()), fixtures_ * 3);
  for (const auto& [key, n] : written) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(servers_->rejected().size(), rejected_before);
  EXPECT_GE(servers_->state()["issued"].size() - issued_before, 4U);  // refreshed at least three times
  expect_no_secret(r);
}

}  // namespace
}  // namespace tdump::dump::testing

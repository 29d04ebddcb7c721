// Options that change what goes on the wire, against real servers on 127.0.0.1:
// - proxy_url: every request of a store goes through a forward proxy of our own in front of
//   moto (the proxy's own count equals the engine's attempts); proxy_excludes bypasses it; a
//   proxy that is down fails the reads (so the proxy is really on the path).
// - sse_customer_key_base64 / request_payer / user_agent: an S3 server of our own that answers
//   as S3 does for an SSE-C object (400 without the headers, 403 for another key) and records
//   what each request carried (signed, as S3 requires of x-amz-* headers).
// - root_certificate: a TLS server whose self-signed certificate openssl makes here is refused
//   without the option and accepted with it (file and PEM text).
// The servers are tests/store/options_servers.py (its docstring is the protocol).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "net.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "store/client_options.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using tdump::testing::ChildProcess;
using tdump::testing::free_port;
using tdump::testing::read_file;
using tdump::testing::source_dir;
using tdump::testing::TempDir;
using tdump::testing::wait_for_port;
using tdump::testing::write_file;

constexpr const char* kSseKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kOtherKey = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

class OptionsServer {
 public:
  explicit OptionsServer(std::vector<std::string> args) {
    port_ = free_port();
    std::vector<std::string> argv = {"python3", (source_dir() / "tests/store/options_servers.py").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.emplace_back("--port");
    argv.push_back(std::to_string(port_));
    process_ = ChildProcess(argv, {}, dir_.path(), dir_ / "server.log");
    if (!wait_for_port(port_, std::chrono::seconds(30))) {
      throw std::runtime_error("options_servers.py did not start: " + read_file(dir_ / "server.log"));
    }
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // GET PATH from the server itself, as JSON.
  [[nodiscard]] nlohmann::json get_json(const std::string& path) const {
    auto answer = tdump::testing::simple_http("GET", port_, path);
    if (answer.status != 200) throw std::runtime_error("GET " + path + " gave " + std::to_string(answer.status));
    return nlohmann::json::parse(answer.body);
  }

 private:
  TempDir dir_{"options-server"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

// A store and its own engine, built the way the CLI builds them (client options first).
struct Opened {
  std::shared_ptr<http::Engine> engine;
  std::unique_ptr<ObjectStore> store;
  std::optional<Error> error;
  ~Opened() {
    store.reset();
    if (engine) engine->shutdown();
  }
};

std::unique_ptr<Opened> open_with(const std::string& url, const std::map<std::string, std::string>& values) {
  auto out = std::make_unique<Opened>();
  auto opts = testing::options(values);
  http::ClientConfig base;
  base.retry.max_retries = 1;
  base.retry.init_backoff = std::chrono::milliseconds(10);
  base.retry.retry_timeout = std::chrono::seconds(3);
  base.connect_timeout = std::chrono::seconds(3);
  auto client = client_config_from_options(opts, base, url);
  if (!client) {
    out->error = client.error();
    return out;
  }
  auto engine = http::Engine::create(*client);
  if (!engine) {
    out->error = engine.error();
    return out;
  }
  out->engine = std::shared_ptr<http::Engine>(std::move(engine).value());
  auto store = open_store(url, opts, out->engine);
  if (!store) {
    out->error = store.error();
    return out;
  }
  out->store = std::move(store).value();
  return out;
}

TEST(ProxyOption, EveryRequestGoesThroughTheProxyAndExcludesBypassIt) {
  tdump::testing::MotoServer moto;
  moto.create_bucket("bkt");
  moto.put_object("bkt", "a/1.tif", "first object bytes");
  moto.put_object("bkt", "a/2.tif", "second object bytes");
  moto.make_public("bkt");
  OptionsServer proxy({"proxy"});
  const std::map<std::string, std::string> base = {
      {"endpoint", moto.endpoint()}, {"allow_http", "true"}, {"skip_signature", "true"}};

  {
    auto values = base;
    values["proxy_url"] = proxy.url();
    auto opened = open_with("s3://bkt", values);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto listing = testing::list_all(*opened->store, "", 1);
    ASSERT_FALSE(listing.error) << listing.error->describe();
    EXPECT_EQ(listing.keys(), (std::vector<std::string>{"a/1.tif", "a/2.tif"}));
    auto read = opened->store->read_range_blocking("a/2.tif", {0, 6});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, "second");
    auto stats = opened->engine->stats();
    auto seen = proxy.get_json("/__count");
    // Every attempt the engine made reached the proxy, and each named moto as its target.
    EXPECT_EQ(seen["requests"].get<std::uint64_t>(), stats.attempts);
    EXPECT_GE(stats.attempts, 3U);  // two listing pages and a read
    for (const auto& target : seen["targets"]) {
      EXPECT_EQ(target.get<std::string>().rfind(moto.endpoint() + "/bkt", 0), 0U) << target;
    }
  }
  const auto before = proxy.get_json("/__count")["requests"].get<std::uint64_t>();
  {
    auto values = base;
    values["proxy_url"] = proxy.url();
    values["proxy_excludes"] = "example.com, 127.0.0.1";
    auto opened = open_with("s3://bkt", values);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("a/1.tif", {0, 5});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, "first");
  }
  EXPECT_EQ(proxy.get_json("/__count")["requests"].get<std::uint64_t>(), before) << "an excluded host went through";
  {
    // A proxy that is not there: the read fails, though moto itself is up.
    auto values = base;
    values["aws_proxy_url"] = "http://127.0.0.1:" + std::to_string(free_port());
    auto opened = open_with("s3://bkt", values);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("a/1.tif", {0, 5});
    EXPECT_FALSE(read.ok());
  }
}

class S3HeadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "obj.bin", "0123456789abcdef");
    server_ = std::make_unique<OptionsServer>(std::vector<std::string>{
        "s3", "--bucket", "bkt", "--object", "enc/obj.tif=" + (dir_ / "obj.bin").string(), "--sse-key", kSseKey});
  }
  std::map<std::string, std::string> values(const std::map<std::string, std::string>& extra) const {
    std::map<std::string, std::string> v = {{"endpoint", server_->url()},
                                            {"allow_http", "true"},
                                            {"access_key_id", "AKIDOPTIONSTEST"},
                                            {"secret_access_key", "options-test-secret"}};
    for (const auto& [k, x] : extra) v[k] = x;
    return v;
  }
  TempDir dir_{"s3-headers"};
  std::unique_ptr<OptionsServer> server_;
};

TEST_F(S3HeadersTest, SseCustomerKeyRequestPayerAndUserAgentAreSentAndSigned) {
  auto opened = open_with("s3://bkt", values({{"sse_customer_key_base64", kSseKey},
                                              {"request_payer", "requester"},
                                              {"user_agent", "options-wire-test/1"}}));
  ASSERT_FALSE(opened->error) << opened->error->message;
  auto read = opened->store->read_range_blocking("enc/obj.tif", {2, 4});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "2345");
  auto requests = server_->get_json("/__requests");
  ASSERT_EQ(requests.size(), 1U);
  const auto& headers = requests[0]["headers"];
  EXPECT_EQ(headers["x-amz-server-side-encryption-customer-algorithm"], "AES256");
  EXPECT_EQ(headers["x-amz-server-side-encryption-customer-key"], kSseKey);
  EXPECT_EQ(headers["x-amz-request-payer"], "requester");
  EXPECT_EQ(headers["user-agent"], "options-wire-test/1");
  const std::string authorization = headers["authorization"];
  for (const char* name :
       {"x-amz-request-payer", "x-amz-server-side-encryption-customer-algorithm",
        "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"}) {
    EXPECT_NE(authorization.find(std::string(";") + name), std::string::npos) << name << " is not signed";
  }
}

TEST_F(S3HeadersTest, ReadsFailAsS3AnswersWithoutOrWithAnotherKeyAndNeverShowTheKey) {
  {
    auto opened = open_with("s3://bkt", values({}));
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("enc/obj.tif", {0, 4});
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().describe().find("400"), std::string::npos) << read.error().describe();
  }
  {
    auto opened = open_with("s3://bkt", values({{"aws_sse_customer_key_base64", kOtherKey}}));
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("enc/obj.tif", {0, 4});
    ASSERT_FALSE(read.ok());
    const std::string text = read.error().describe();
    EXPECT_NE(text.find("403"), std::string::npos) << text;
    EXPECT_EQ(text.find(kOtherKey), std::string::npos) << text;
  }
  // Anonymous (skip_signature): the SSE-C headers are sent all the same.
  auto anonymous = open_with("s3://bkt", {{"endpoint", server_->url()},
                                          {"allow_http", "true"},
                                          {"skip_signature", "true"},
                                          {"sse_customer_key_base64", kSseKey}});
  ASSERT_FALSE(anonymous->error) << anonymous->error->message;
  auto read = anonymous->store->read_range_blocking("enc/obj.tif", {0, 4});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "0123");
}

TEST(RootCertificateOption, SelfSignedServerIsRefusedWithoutItAndTrustedWithIt) {
  TempDir dir("root-cert");
  const auto cert = dir / "cert.pem";
  const auto key = dir / "key.pem";
  auto made = tdump::testing::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                           key.string(), "-out", cert.string(), "-days", "2", "-subj", "/CN=127.0.0.1",
                                           "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  write_file(dir / "obj.bin", "TLS object bytes");
  OptionsServer server({"s3", "--bucket", "bkt", "--object", "t.tif=" + (dir / "obj.bin").string(), "--tls-cert",
                        cert.string(), "--tls-key", key.string()});
  const std::string endpoint = "https://127.0.0.1:" + std::to_string(server.port());
  const std::map<std::string, std::string> base = {{"endpoint", endpoint}, {"skip_signature", "true"}};
  {
    auto opened = open_with("s3://bkt", base);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("t.tif", {0, 3});
    ASSERT_FALSE(read.ok()) << "a self-signed certificate was trusted without root_certificate";
    EXPECT_EQ(read.error().code, ErrorCode::kNetwork) << read.error().describe();
  }
  for (const auto& value : {cert.string(), read_file(cert)}) {
    auto values = base;
    values["root_certificate"] = value;
    auto opened = open_with("s3://bkt", values);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("t.tif", {0, 3});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, "TLS");
  }
  {
    // With no_system_certificates the given root is still the one trusted.
    auto values = base;
    values["aws_root_certificate"] = cert.string();
    values["no_system_certificates"] = "true";
    auto opened = open_with("s3://bkt", values);
    ASSERT_FALSE(opened->error) << opened->error->message;
    auto read = opened->store->read_range_blocking("t.tif", {0, 3});
    ASSERT_TRUE(read.ok()) << read.error().describe();
  }
}

// az://CONTAINER@ACCOUNT.dfs.core.windows.net/PREFIX names the container, the account and the
// prefix (object_store reads it like abfs://); against Azurite through the endpoint option.
TEST(AzureUrlForm, ContainerAtAccountDfsHost) {
  tdump::testing::AzuriteServer azurite;
  azurite.create_container("dfsform", false);
  azurite.put_blob("dfsform", "p/x.tif", "dfs form bytes");
  azurite.put_blob("dfsform", "q/y.tif", "other prefix");
  const std::string url =
      std::string("az://dfsform@") + tdump::testing::AzuriteServer::kAccount + ".dfs.core.windows.net/p";
  auto opened = open_with(url, {{"account_key", tdump::testing::AzuriteServer::kAccountKey},
                                {"endpoint", azurite.account_url()},
                                {"allow_http", "true"}});
  ASSERT_FALSE(opened->error) << opened->error->message;
  auto listing = testing::list_all(*opened->store, "", 10);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"x.tif"}));
  auto read = opened->store->read_range_blocking("x.tif", {0, 8});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "dfs form");
  EXPECT_EQ(opened->store->url_for("x.tif"), url + "/x.tif");
}

}  // namespace
}  // namespace tdump::store

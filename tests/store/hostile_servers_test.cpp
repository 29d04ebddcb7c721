// Every store against servers of our own that misbehave on purpose (tests/support/
// hostile_server.py): redirects to another host (which must receive nothing at all, whatever
// credentials the store holds), S3's wrong-region answer, continuation-token cycles, keys
// listed twice, error bodies that echo the request's credentials or carry terminal escapes,
// and WebDAV trees with dot hrefs, links back up and endless depth.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "hostile_server.hpp"
#include "servers.hpp"
#include "store/common/tree_list.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"

namespace tdump::store {
namespace {

using nlohmann::json;
using testing::options;

constexpr const char* kSessionToken = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQDsessionTOKENvalue0123456789";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kBearer = "ya29.c.b0AXv0zTOKEN-for-gcs-0123456789";

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)));
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  [[nodiscard]] std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The credentials each store kind is tried with, and what must never leave the endpoint.
struct StoreCase {
  std::string name;
  std::string url;
  std::map<std::string, std::string> values;  // besides the endpoint
  std::string endpoint_suffix;                // appended to the hostile server's URL
  std::vector<std::string> secrets;           // must appear in no message
  std::string sent_secret;                    // a value the configured endpoint must have received
};

std::vector<StoreCase> store_cases() {
  const std::string sas = tdump::testing::AzuriteServer::kSas;
  return {
      {"s3_session_token",
       "s3://bkt",
       {{"access_key_id", "ASIAEXAMPLEKEYID"},
        {"secret_access_key", kSecretKey},
        {"session_token", kSessionToken},
        {"region", "us-east-1"}},
       "",
       {kSessionToken, kSecretKey},
       kSessionToken},
      {"azure_sas",
       "az://ctr",
       {{"account_name", "devstoreaccount1"}, {"sas_key", sas}},
       "/devstoreaccount1",
       {"QasnztzZZ0YhpTIK8Qxshc1teEr7mrIN%2Bb80giC8nHs%3D", "QasnztzZZ0YhpTIK8Qxshc1teEr7mrIN+b80giC8nHs="},
       "QasnztzZZ0YhpTIK8Qxshc1teEr7mrIN"},
      {"azure_shared_key",
       "az://ctr",
       {{"account_name", "devstoreaccount1"}, {"account_key", tdump::testing::AzuriteServer::kAccountKey}},
       "/devstoreaccount1",
       {tdump::testing::AzuriteServer::kAccountKey, "SharedKey"},
       "SharedKey devstoreaccount1:"},
      {"gcs_bearer", "gs://bkt", {{"bearer_token", kBearer}}, "", {kBearer}, kBearer},
      {"http_webdav", "", {}, "/data", {}, ""},
  };
}

class HostileServers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hostile = std::make_unique<tdump::testing::HostileServer>("127.0.0.1");
    elsewhere = std::make_unique<tdump::testing::HostileServer>("127.0.0.2");
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    hostile.reset();
    elsewhere.reset();
  }
  void SetUp() override {
    // "Another host": it answers anything with a plausible listing and object, so a client that
    // followed a redirect would believe it. It must never be asked.
    elsewhere->set_rules(json::array({{{"path", "/"},
                                       {"prefix", true},
                                       {"status", 200},
                                       {"body", "<ListBucketResult><Key>stolen</Key></ListBucketResult>"}}}));
  }

  static std::unique_ptr<ObjectStore> open(const StoreCase& c) {
    const std::string endpoint = hostile->base_url() + c.endpoint_suffix;
    std::string url = c.url.empty() ? endpoint : c.url;
    auto values = c.values;
    if (!c.url.empty()) {
      values["endpoint"] = endpoint;
      values["allow_http"] = "true";
    }
    return testing::open_or_fail(url, options(values), test_engine);
  }

  // True when any request the hostile server received carried `value` (target, header or body).
  static bool received(const std::string& value) {
    const json record = hostile->record();
    for (const auto& request : record["requests"]) {
      if (request["target"].get<std::string>().find(value) != std::string::npos) return true;
      if (request["body"].get<std::string>().find(value) != std::string::npos) return true;
      for (const auto& header : request["headers"]) {
        if (header[1].get<std::string>().find(value) != std::string::npos) return true;
      }
    }
    return false;
  }

  static std::unique_ptr<tdump::testing::HostileServer> hostile;
  static std::unique_ptr<tdump::testing::HostileServer> elsewhere;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<tdump::testing::HostileServer> HostileServers::hostile;
std::unique_ptr<tdump::testing::HostileServer> HostileServers::elsewhere;
std::shared_ptr<http::Engine> HostileServers::test_engine;

void expect_clean(const Error& error, const StoreCase& c, const std::string& origin) {
  EXPECT_NE(error.message.find(origin), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find(origin + "/"), std::string::npos) << "only the origin: " << error.message;
  for (const auto& secret : c.secrets) EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('?', error.message.find(origin)), std::string::npos) << error.message;
}

TEST_F(HostileServers, RedirectsToAnotherHostAreNeverFollowed) {
  for (const auto& c : store_cases()) {
    for (int status : {301, 302, 307, 308}) {
      SCOPED_TRACE(c.name + " " + std::to_string(status));
      hostile->set_rules(
          json::array({{{"path", "/"}, {"prefix", true}, {"status", status}, {"redirect_to", elsewhere->base_url()}}}));
      auto store = open(c);
      ASSERT_TRUE(store);
      auto listing = testing::list_all(*store, "", 100);
      ASSERT_TRUE(listing.error.has_value());
      EXPECT_TRUE(listing.objects.empty());
      expect_clean(*listing.error, c, elsewhere->base_url());
      auto read = store->read_range_blocking("dir/k.tif", {0, 100});
      ASSERT_FALSE(read.ok());
      EXPECT_EQ(read.error().http_status, status);
      expect_clean(read.error(), c, elsewhere->base_url());
      // The store did talk to its endpoint, with its credentials; the other host heard nothing.
      EXPECT_GE(hostile->requests(), 2U);
      if (!c.sent_secret.empty()) {
        EXPECT_TRUE(received(c.sent_secret));
      }
      EXPECT_EQ(elsewhere->connections(), 0);
      EXPECT_EQ(elsewhere->requests(), 0U);
    }
  }
}

TEST_F(HostileServers, OAuthTokenEndpointRedirectIsNotFollowedAndItsErrorsAreRedacted) {
  // The credential endpoint of a GCS store (an authorized_user refresh grant: the client secret
  // and refresh token travel in the POST body).
  tdump::testing::TempDir dir("oauth");
  const std::string secret = "client-SECRET-value-0123456789";
  const std::string refresh = "1//refresh-TOKEN-value-0123456789";
  tdump::testing::write_file(dir / "adc.json", json{{"type", "authorized_user"},
                                                    {"client_id", "id.apps.example"},
                                                    {"client_secret", secret},
                                                    {"refresh_token", refresh},
                                                    {"token_uri", hostile->base_url() + "/token"}}
                                                   .dump());
  auto opened = open_store("gs://bkt",
                           options({{"google_endpoint", hostile->base_url()},
                                    {"allow_http", "true"},
                                    {"google_application_credentials", (dir / "adc.json").string()}}),
                           test_engine);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  hostile->set_rules(json::array({{{"path", "/token"}, {"status", 307}, {"redirect_to", elsewhere->base_url()}}}));
  auto listing = testing::list_all(**opened, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_NE(listing.error->message.find("answered 307 (a redirect); credential endpoints are never followed"),
            std::string::npos)
      << listing.error->message;
  EXPECT_TRUE(received("refresh-TOKEN-value"));  // the grant went to the configured endpoint only
  EXPECT_EQ(elsewhere->connections(), 0);

  // A token endpoint that echoes the grant back in its error description: only its short error
  // code reaches the message (common/oauth_token.hpp), never the description.
  hostile->set_rules(
      json::array({{{"path", "/token"},
                    {"status", 400},
                    {"body", R"({"error":"invalid_grant","error_description":"bad grant {{body}}"})"}}}));
  auto refused = testing::list_all(**opened, "", 10);
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(refused.error->remote_code, "invalid_grant");
  EXPECT_EQ(refused.error->message.find("bad grant"), std::string::npos) << refused.error->message;
  EXPECT_EQ(refused.error->message.find("SECRET-value"), std::string::npos) << refused.error->message;
  EXPECT_EQ(refused.error->message.find("TOKEN-value"), std::string::npos) << refused.error->message;
}

TEST_F(HostileServers, HttpStoreFollowsSameOriginRedirects) {
  const std::string multistatus_new = R"(<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">
<D:response><D:href>/new/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/new/a.tif</D:href><D:propstat><D:prop><D:getcontentlength>5</D:getcontentlength><D:resourcetype/>
</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/new/sub/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>)";
  const std::string multistatus_sub = R"(<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">
<D:response><D:href>/new/sub/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>b.tif</D:href><D:propstat><D:prop><D:getcontentlength>3</D:getcontentlength><D:resourcetype/>
</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>)";
  json rules = json::array();
  rules.push_back({{"method", "PROPFIND"}, {"path", "/old/"}, {"status", 301}, {"headers", {{"Location", "/new/"}}}});
  rules.push_back({{"method", "PROPFIND"}, {"path", "/new/"}, {"status", 207}, {"body", multistatus_new}});
  rules.push_back({{"method", "PROPFIND"},
                   {"path", "/old/sub/"},
                   {"status", 308},
                   {"headers", {{"Location", hostile->base_url() + "/new/sub/"}}}});
  rules.push_back({{"method", "PROPFIND"}, {"path", "/new/sub/"}, {"status", 207}, {"body", multistatus_sub}});
  rules.push_back(
      {{"method", "GET"}, {"path", "/old/a.tif"}, {"status", 302}, {"headers", {{"Location", "../new/a.tif"}}}});
  rules.push_back({{"method", "GET"},
                   {"path", "/new/a.tif"},
                   {"status", 206},
                   {"headers", {{"Content-Range", "bytes 1-3/5"}}},
                   {"body", "ell"}});
  rules.push_back({{"path", "/old/loop.tif"}, {"status", 307}, {"headers", {{"Location", "/old/loop2.tif"}}}});
  rules.push_back({{"path", "/old/loop2.tif"}, {"status", 307}, {"headers", {{"Location", "/old/loop.tif"}}}});
  for (int i = 0; i < 7; ++i) {
    rules.push_back({{"path", "/old/chain" + std::to_string(i) + ".tif"},
                     {"status", 302},
                     {"headers", {{"Location", "/old/chain" + std::to_string(i + 1) + ".tif"}}}});
  }
  hostile->set_rules(rules);
  auto opened = open_store(hostile->base_url() + "/old", options({}), test_engine);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& store = **opened;
  auto listing = testing::list_all(store, "", 100);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"a.tif", "sub/b.tif"}));
  EXPECT_EQ(listing.objects[0].size, 5U);
  auto read = store.read_range_blocking("a.tif", {1, 3});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "ell");
  EXPECT_EQ(read->object_size, 5U);

  auto loop = store.read_range_blocking("loop.tif", {0, 4});
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("redirect loop"), std::string::npos) << loop.error().message;
  auto chain = store.read_range_blocking("chain0.tif", {0, 4});
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.error().message.find("after 5 redirects"), std::string::npos) << chain.error().message;
  EXPECT_EQ(elsewhere->connections(), 0);
}

TEST_F(HostileServers, S3WrongRegionSaysWhichRegion) {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are "
      "attempting to access must be addressed using the specified endpoint.</Message><Bucket>bkt</Bucket></Error>";
  const auto s3 = store_cases().front();
  for (int status : {301, 307}) {
    SCOPED_TRACE(status);
    json rule = {{"path", "/bkt"},
                 {"prefix", true},
                 {"status", status},
                 {"headers", {{"x-amz-bucket-region", "eu-west-1"}}},
                 {"body", body}};
    if (status == 307) rule["redirect_to"] = elsewhere->base_url();  // 307 TemporaryRedirect names a Location too
    hostile->set_rules(json::array({rule}));
    auto store = open(s3);
    auto listing = testing::list_all(*store, "", 10);
    ASSERT_TRUE(listing.error.has_value());
    EXPECT_NE(listing.error->message.find("the bucket is in region eu-west-1: set region=eu-west-1"), std::string::npos)
        << listing.error->message;
    EXPECT_EQ(listing.error->remote_code, "PermanentRedirect");
    auto read = store->read_range_blocking("k.tif", {0, 10});
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("set region=eu-west-1"), std::string::npos) << read.error().message;
    EXPECT_EQ(elsewhere->connections(), 0);
  }
}

std::string s3_page(const std::vector<std::string>& keys, const std::string& next_token) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>bkt</Name>";
  for (const auto& key : keys) {
    body += "<Contents><Key>" + key +
            "</Key><Size>1</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
            "<ETag>\"e\"</ETag></Contents>";
  }
  body += std::string("<IsTruncated>") + (next_token.empty() ? "false" : "true") + "</IsTruncated>";
  if (!next_token.empty()) body += "<NextContinuationToken>" + next_token + "</NextContinuationToken>";
  body += "<EncodingType>url</EncodingType></ListBucketResult>";
  return body;
}

json s3_page_rule(const std::optional<std::string>& token, const std::vector<std::string>& keys,
                  const std::string& next) {
  json query = {{"list-type", "2"}};
  query["continuation-token"] = token ? json(*token) : json(nullptr);
  return {{"method", "GET"}, {"path", "/bkt"}, {"query", query}, {"status", 200}, {"body", s3_page(keys, next)}};
}

TEST_F(HostileServers, S3ContinuationTokenCycleEndsTheListing) {
  hostile->set_rules(json::array({s3_page_rule(std::nullopt, {"k0.tif"}, "A"), s3_page_rule("A", {"k1.tif"}, "B"),
                                  s3_page_rule("B", {"k2.tif"}, "C"), s3_page_rule("C", {"k3.tif"}, "A")}));
  auto store = open(store_cases().front());
  auto listing = testing::list_all(*store, "", 1);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_NE(listing.error->message.find("continuation token 'A' a second time"), std::string::npos)
      << listing.error->message;
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"k0.tif", "k1.tif", "k2.tif"}));
  EXPECT_EQ(hostile->requests(), 4U);  // and no fifth page

  const std::string huge(100'000, 'T');
  hostile->set_rules(json::array({s3_page_rule(std::nullopt, {"k0.tif"}, huge)}));
  auto capped = testing::list_all(*store, "", 1);
  ASSERT_TRUE(capped.error.has_value());
  EXPECT_EQ(capped.error->code, ErrorCode::kLimit);
  EXPECT_LT(capped.error->message.size(), 512U) << capped.error->message.substr(0, 512);

  // A long token that is accepted is shown shortened in the next page's errors.
  const std::string long_token(60'000, 'L');
  hostile->set_rules(json::array(
      {s3_page_rule(std::nullopt, {"k0.tif"}, long_token), {{"path", "/bkt"}, {"status", 500}, {"body", "boom"}}}));
  auto failed = testing::list_all(*store, "", 1);
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_NE(failed.error->message.find("(60000 bytes)"), std::string::npos) << failed.error->message.substr(0, 600);
  EXPECT_LT(failed.error->message.size(), 1024U);
}

TEST_F(HostileServers, AKeyListedTwiceGivesOneEntryAndAWarning) {
  LogCapture log;
  hostile->set_rules(json::array(
      {s3_page_rule(std::nullopt, {"a.tif", "b.tif"}, "T"), s3_page_rule("T", {"b.tif", "a.tif", "c.tif"}, "")}));
  auto store = open(store_cases().front());
  auto listing = testing::list_all(*store, "", 2);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"a.tif", "b.tif", "c.tif"}));
  EXPECT_NE(log.text().find("listing s3://bkt/: skipped 2 key(s) not in increasing order"), std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find("e.g. 'b.tif'"), std::string::npos) << log.text();
}

TEST_F(HostileServers, ErrorBodiesThatEchoCredentialsOrCarryEscapesAreMadeSafe) {
  // S3: the session token echoed in <Message>, an ESC sequence in <Code>.
  const std::string s3_body =
      "<?xml version=\"1.0\"?><Error><Code>Access\x1b[2J\x1b]0;owned\x07"
      "Denied</Code><Message>The provided token "
      "{{header:x-amz-security-token}} has expired\x1b[0m</Message></Error>";
  // Azure: the whole request target (with the SAS) echoed; GCS: the Authorization header.
  const std::string azure_body =
      "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Signature did not match for "
      "{{target}}</Message></Error>";
  const std::string gcs_body =
      R"({"error":{"code":401,"message":"Invalid Credentials: {{header:authorization}}","errors":[{"reason":"authError"}]}})";
  for (const auto& c : store_cases()) {
    if (c.name == "http_webdav") continue;
    SCOPED_TRACE(c.name);
    const std::string& body = c.name.starts_with("s3") ? s3_body : c.name.starts_with("gcs") ? gcs_body : azure_body;
    hostile->set_rules(json::array({{{"path", "/"}, {"prefix", true}, {"status", 403}, {"body", body}}}));
    auto store = open(c);
    auto listing = testing::list_all(*store, "", 10);
    ASSERT_TRUE(listing.error.has_value());
    auto read = store->read_range_blocking("k.tif", {0, 10});
    ASSERT_FALSE(read.ok());
    for (const Error& error : {*listing.error, read.error()}) {
      EXPECT_EQ(error.code, ErrorCode::kPermissionDenied);
      for (const auto& secret : c.secrets) {
        EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
        EXPECT_EQ(error.remote_code.find(secret), std::string::npos);
      }
      const std::string all = error.message + error.remote_code;
      EXPECT_EQ(all.find('\x1b'), std::string::npos) << all;
      EXPECT_EQ(all.find('\r'), std::string::npos) << all;
      EXPECT_EQ(all.find('\x07'), std::string::npos) << all;
      if (c.name.starts_with("s3")) {
        EXPECT_EQ(error.remote_code, "Access\\x1B[2J\\x1B]0;owned\\x07Denied");
        EXPECT_NE(error.message.find("The provided token [redacted] has expired\\x1B[0m"), std::string::npos)
            << error.message;
      } else if (c.name == "gcs_bearer" || c.name == "azure_sas") {
        EXPECT_NE(error.message.find("[redacted]"), std::string::npos) << error.message;
      }
    }
    EXPECT_TRUE(received(c.sent_secret));  // it was sent, and came back, and was redacted
  }
}

constexpr const char* kDavResponse =
    R"(<D:response><D:href>%s</D:href><D:propstat><D:prop>%s</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>)";

std::string dav(const std::vector<std::pair<std::string, std::string>>& hrefs_and_props) {
  std::string out = R"(<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">)";
  for (const auto& [href, props] : hrefs_and_props) {
    std::string one = kDavResponse;
    one.replace(one.find("%s"), 2, href);
    one.replace(one.find("%s"), 2, props);
    out += one;
  }
  return out + "</D:multistatus>";
}

TEST_F(HostileServers, WebDavDotsLinksBackAndLoopsAreWarningsAndTheFilesAreKept) {
  LogCapture log;
  const std::string collection = "<D:resourcetype><D:collection/></D:resourcetype>";
  auto with_id = [&](const std::string& id) {
    return collection + "<D:resource-id><D:href>urn:uuid:" + id + "</D:href></D:resource-id>";
  };
  const std::string file = "<D:resourcetype/><D:getcontentlength>4</D:getcontentlength>";
  json rules = json::array();
  rules.push_back({{"method", "PROPFIND"},
                   {"path", "/d/"},
                   {"status", 207},
                   {"body", dav({{"/d/", with_id("root")},
                                 {"./", collection},
                                 {"%2e/", collection},
                                 {"/d/%2E", collection},
                                 {"../", collection},
                                 {"/", collection},
                                 {"a.tif", file},
                                 {"sub/", with_id("sub")}})}});
  // sub/ holds a file, a link back to /d/ by path, and a binding of /d/ (the same resource-id).
  rules.push_back({{"method", "PROPFIND"},
                   {"path", "/d/sub/"},
                   {"status", 207},
                   {"body", dav({{"/d/sub/", with_id("sub")},
                                 {"/d/sub/b.tif", file},
                                 {"/d/sub/x/../", collection},
                                 {"/d/", collection},
                                 {"/d/sub/again/", with_id("root")}})}});
  hostile->set_rules(rules);
  auto opened = open_store(hostile->base_url() + "/d", options({}), test_engine);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto listing = testing::list_all(**opened, "", 100);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"a.tif", "sub/b.tif"}));
  const std::string text = log.text();
  EXPECT_NE(text.find("lists '/d/', a collection it is in or is itself"), std::string::npos) << text;
  EXPECT_NE(text.find("lists '/'"), std::string::npos) << text;
  EXPECT_NE(text.find("'sub/again/' is a directory already being listed (a loop); skipped"), std::string::npos) << text;
  EXPECT_EQ(hostile->requests(), 2U);  // /d/ and /d/sub/ only: no "./" recursion, no walk into the loop
}

TEST_F(HostileServers, WebDavEndlessDepthKeepsWhatWasSeen) {
  LogCapture log;
  // Every collection holds a file and one more collection, for ever (a symlink to itself, seen
  // from a server that does not send resource ids).
  const std::string body = dav({{"{{path}}", "<D:resourcetype><D:collection/></D:resourcetype>"},
                                {"{{path}}f.tif", "<D:resourcetype/><D:getcontentlength>1</D:getcontentlength>"},
                                {"{{path}}x/", "<D:resourcetype><D:collection/></D:resourcetype>"}});
  hostile->set_rules(
      json::array({{{"method", "PROPFIND"}, {"path", "/deep/"}, {"prefix", true}, {"status", 207}, {"body", body}}}));
  auto opened = open_store(hostile->base_url() + "/deep", options({}), test_engine);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto listing = testing::list_all(**opened, "", 1000);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.objects.size(), kMaxTreeDepth);
  EXPECT_EQ(listing.keys().front(), "f.tif");
  EXPECT_NE(log.text().find("deeper than 512 levels"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace tdump::store

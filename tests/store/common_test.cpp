// Shared store helpers: URLs, timestamps, digests, option parsing, pagination, tree walks,
// token caching. Expected values come from RFCs / FIPS vectors or the `date` tool.
#include <gtest/gtest.h>

#include <map>

#include "process.hpp"
#include "store/common/crypto.hpp"
#include "store/common/http_response.hpp"
#include "store/common/options.hpp"
#include "store/common/paged_list.hpp"
#include "store/common/time_format.hpp"
#include "store/common/tree_list.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

std::int64_t date_tool_seconds(const std::string& text) {
  auto r = testing::run_command({"date", "-u", "-d", text, "+%s"}, {{"TZ", "UTC"}, {"LC_ALL", "C"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoll(r.out);
}

TEST(Url, ParsesAuthorityPathAndQuery) {
  auto u = parse_url("HTTPS://user:pw@Example.COM:8443/a%20b/c?x=1&y=2#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->userinfo, "user:pw");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/a%20b/c");
  EXPECT_EQ(u->query, "x=1&y=2");
  EXPECT_EQ(host_header(*u), "example.com:8443");
  auto plain = parse_url("http://h:80/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(host_header(*plain), "h");
  EXPECT_FALSE(parse_url("no-scheme").ok());
  auto bad_port = parse_url("http://h:99999/");
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.error().message.find("99999"), std::string::npos);
}

TEST(Url, PercentCodingRoundTrips) {
  std::string key = "dir/a b+c%d=e&f?g#h/été/~._-";
  EXPECT_EQ(percent_decode(percent_encode(key, true)), key);
  EXPECT_EQ(percent_encode(key, false).find('/'), std::string::npos);
  EXPECT_EQ(percent_decode("a+b%2Bc", true), "a b+c");
  EXPECT_EQ(percent_decode("100%", false), "100%");  // a stray '%' stays
  EXPECT_EQ(root_prefix_from_path("/a/b/"), "a/b/");
  EXPECT_EQ(root_prefix_from_path("/"), "");
  auto pairs = split_query("a=1&b=x%20y&c");
  ASSERT_EQ(pairs.size(), 3U);
  EXPECT_EQ(pairs[1].second, "x y");
  EXPECT_EQ(pairs[2].first, "c");
}

TEST(Time, Iso8601MatchesTheDateTool) {
  EXPECT_EQ(parse_iso8601_us("2013-05-24T00:00:00Z"), date_tool_seconds("2013-05-24T00:00:00Z") * 1'000'000);
  EXPECT_EQ(parse_iso8601_us("2026-11-24T07:51:55.123Z"),
            date_tool_seconds("2026-11-24T07:51:55Z") * 1'000'000 + 123'000);
  EXPECT_EQ(parse_iso8601_us("2024-02-29T23:59:59.5+02:00"),
            date_tool_seconds("2024-02-29T21:59:59Z") * 1'000'000 + 500'000);
  EXPECT_EQ(parse_iso8601_us("1969-12-31T23:59:59Z"), -1'000'000);
  EXPECT_FALSE(parse_iso8601_us("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_us("2024-01-01T00:00:00"));  // no zone
  EXPECT_FALSE(parse_iso8601_us("garbage"));
}

TEST(Time, Rfc1123MatchesTheDateTool) {
  EXPECT_EQ(parse_rfc1123_us("Tue, 24 Nov 2026 07:51:55 GMT"), date_tool_seconds("2026-11-24T07:51:55Z") * 1'000'000);
  EXPECT_FALSE(parse_rfc1123_us("Tue, 24 Xyz 2026 07:51:55 GMT"));
  auto r = testing::run_command({"date", "-u", "-d", "@1369353600", "+%a, %d %b %Y %H:%M:%S GMT"}, {{"LC_ALL", "C"}});
  EXPECT_EQ(format_rfc1123(1369353600) + "\n", r.out);
  EXPECT_EQ(format_amz_date(1369353600), "20130524T000000Z");
  EXPECT_EQ(format_iso8601(1369353600), "2013-05-24T00:00:00Z");
}

TEST(Crypto, KnownVectors) {
  // FIPS 180-2 "abc"; RFC 4231 test case 2; RFC 4648 section 10.
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::map<std::string, std::string> rfc4648 = {{"", ""},
                                                      {"f", "Zg=="},
                                                      {"fo", "Zm8="},
                                                      {"foo", "Zm9v"},
                                                      {"foob", "Zm9vYg=="},
                                                      {"fooba", "Zm9vYmE="},
                                                      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : rfc4648) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64_decode("Zm9v!"));
}

TEST(Options, AliasesCaseAndUnknownKeys) {
  static constexpr std::array kKeys = {OptionKey{"region", {"aws_region"}},
                                       OptionKey{"secret_access_key", {"aws_secret_access_key"}, true, true, false},
                                       OptionKey{"timeout", {}}};
  std::array<std::span<const OptionKey>, 1> sets{kKeys};
  StoreOptions options;
  options.env = nullptr;
  options.values = {{"AWS_REGION", "eu-west-1"}, {"timeout", "1m 30s"}};
  auto resolved = resolve_options(options, sets, "aws_", "S3");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->text("region"), "eu-west-1");
  EXPECT_EQ(resolved->duration("timeout")->value(), std::chrono::milliseconds(90'000));

  options.values = {{"regoin", "x"}};
  auto unknown = resolve_options(options, sets, "aws_", "S3");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("'regoin'"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("did you mean 'region'"), std::string::npos);

  options.values = {{"region", "a"}, {"aws_region", "b"}};
  EXPECT_FALSE(resolve_options(options, sets, "aws_", "S3").ok());

  options.values = {{"timeout", "soon"}, {"secret_access_key", "TOPSECRET"}};
  auto bad = resolve_options(options, sets, "aws_", "S3");
  ASSERT_TRUE(bad.ok());
  auto timeout = bad->duration("timeout");
  ASSERT_FALSE(timeout.ok());
  EXPECT_NE(timeout.error().message.find("'soon'"), std::string::npos);
  EXPECT_NE(timeout.error().message.find("timeout"), std::string::npos);
  auto secret_as_bool = bad->boolean("secret_access_key");
  ASSERT_FALSE(secret_as_bool.ok());
  EXPECT_EQ(secret_as_bool.error().message.find("TOPSECRET"), std::string::npos);
}

TEST(Options, EnvironmentFillsWhatOptionsLeaveUnset) {
  static constexpr std::array kKeys = {OptionKey{"region", {"aws_region"}},
                                       OptionKey{"endpoint", {"aws_endpoint_url", "aws_endpoint"}},
                                       OptionKey{"access_key_id", {"aws_access_key_id"}, true, false, false}};
  std::array<std::span<const OptionKey>, 1> sets{kKeys};
  std::map<std::string, std::string> env = {
      {"AWS_REGION", "env-region"}, {"AWS_ENDPOINT", "http://e"}, {"AWS_ACCESS_KEY_ID", "AKID"}};
  StoreOptions options;
  options.env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  options.values = {{"region", "opt-region"}};
  auto resolved = resolve_options(options, sets, "aws_", "S3");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->text("region"), "opt-region");
  EXPECT_EQ(resolved->text("endpoint"), "http://e");
  EXPECT_EQ(resolved->find("endpoint")->source, "environment variable AWS_ENDPOINT");
  EXPECT_FALSE(resolved->text("access_key_id"));  // credentials are resolved as a set elsewhere
}

TEST(Options, DurationsAndBooleans) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1.5"), milliseconds(1'500));
  EXPECT_EQ(parse_duration("1h 2m 3s"), milliseconds(3'723'000));
  EXPECT_EQ(parse_duration(" 10 seconds "), milliseconds(10'000));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("5 parsecs"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_EQ(parse_bool("TRUE"), true);
  EXPECT_EQ(parse_bool("off"), false);
  EXPECT_FALSE(parse_bool("maybe"));
}

TEST(HttpResponse, ContentRangeAndRangeReads) {
  auto cr = parse_content_range("bytes 10-21/22");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->first, 10U);
  EXPECT_EQ(cr->last, 21U);
  EXPECT_EQ(cr->total, 22U);
  auto star = parse_content_range("bytes */1000");
  ASSERT_TRUE(star);
  EXPECT_FALSE(star->first);
  EXPECT_EQ(star->total, 1000U);
  EXPECT_FALSE(parse_content_range("bytes 5-4/10"));
  EXPECT_EQ(range_header_value({100, 16}), "bytes=100-115");
  EXPECT_EQ(range_header_value({7, 0}), "bytes=7-7");

  // A server that ignores Range answers 200 with the whole object: the read slices it.
  http::Response whole;
  whole.status = 200;
  whole.body = "0123456789";
  auto sliced = range_read_from_response(whole, {3, 4}, "GET x", nullptr);
  ASSERT_TRUE(sliced.ok());
  EXPECT_EQ(sliced->bytes, "3456");
  EXPECT_EQ(sliced->object_size, 10U);
  auto past = range_read_from_response(whole, {20, 4}, "GET x", nullptr);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->bytes.empty());

  http::Response not_found;
  not_found.status = 404;
  not_found.attempts = 1;
  auto missing = range_read_from_response(not_found, {0, 4}, "GET http://h/k", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_NE(missing.error().message.find("http://h/k"), std::string::npos);
}

// Found by fuzz/http_headers: answers whose sizes contradict their own bytes.
TEST(HttpResponse, ContentRangesAndLengthsThatContradictTheBytesAreNotBelieved) {
  // RFC 9110 section 14.4: the complete length must exceed the last position; "*/*" is no range.
  EXPECT_FALSE(parse_content_range("bytes 4-350/24"));
  EXPECT_FALSE(parse_content_range("bytes 0-9/9"));
  EXPECT_TRUE(parse_content_range("bytes 0-9/10"));
  EXPECT_TRUE(parse_content_range("bytes 0-9/*"));
  EXPECT_FALSE(parse_content_range("bytes */*"));

  http::Response partial;
  partial.status = 206;
  partial.headers = {{"content-range", "bytes 4-350/24"}};
  partial.body = std::string(347, 'x');
  auto read = range_read_from_response(partial, {4, 347}, "GET x", nullptr);
  ASSERT_FALSE(read.ok());  // was: 347 bytes of an object said to be 24 bytes long
  EXPECT_EQ(read.error().code, ErrorCode::kParse);

  // A 200 cut at the body cap whose Content-Length is shorter than the bytes received.
  http::Response whole;
  whole.status = 200;
  whole.headers = {{"content-length", "204"}};
  whole.body = std::string(1000, 'y');
  whole.body_capped = true;
  auto sliced = range_read_from_response(whole, {500, 100}, "GET x", nullptr);
  ASSERT_TRUE(sliced.ok());
  EXPECT_EQ(sliced->bytes.size(), 100U);
  EXPECT_FALSE(sliced->object_size.has_value());  // was 204, with bytes 500..599 handed out
  whole.headers = {{"content-length", "5000"}};
  sliced = range_read_from_response(whole, {500, 100}, "GET x", nullptr);
  ASSERT_TRUE(sliced.ok());
  EXPECT_EQ(sliced->object_size, 5000U);
}

// Azurite (3.37) answers a range starting at the end of a blob with an empty 206 and an empty
// span where Azure answers 416 (seen by tests/store/conformance_test.cpp): read as past the end.
TEST(HttpResponse, EmptyPartialAnswersAtTheEndAreReadsPastTheEnd) {
  http::Response at_end;
  at_end.status = 206;
  at_end.headers = {{"content-range", "bytes 10-9/10"}};
  auto read = range_read_from_response(at_end, {10, 10}, "GET x", nullptr);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->bytes.empty());
  EXPECT_EQ(read->object_size, 10U);
  http::Response empty_blob;
  empty_blob.status = 206;
  empty_blob.headers = {{"content-range", "bytes 0--1/0"}};
  read = range_read_from_response(empty_blob, {0, 1}, "GET x", nullptr);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->object_size, 0U);
  // Still an error: the same header for a range inside the object, or with bytes in the body.
  EXPECT_FALSE(range_read_from_response(at_end, {5, 10}, "GET x", nullptr).ok());
  at_end.body = "x";
  EXPECT_FALSE(range_read_from_response(at_end, {10, 10}, "GET x", nullptr).ok());
}

TEST(PagedList, FollowsTokensSkipsEmptyPagesAndStopsOnRepeats) {
  std::vector<std::string> seen;
  auto stream = make_paged_list([&](const std::string& token) -> Result<Page> {
    seen.push_back(token);
    if (token.empty()) return Page{{ObjectMeta{"a"}}, "t1"};
    if (token == "t1") return Page{{}, "t2"};  // an empty page that is not the end
    return Page{{ObjectMeta{"b"}, ObjectMeta{"c"}}, ""};
  });
  auto p1 = stream->next();
  ASSERT_TRUE(p1.ok() && p1->has_value());
  EXPECT_EQ((*p1)->objects.size(), 1U);
  auto p2 = stream->next();
  ASSERT_TRUE(p2.ok() && p2->has_value());
  EXPECT_EQ((*p2)->objects[1].key, "c");
  auto end = stream->next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"", "t1", "t2"}));

  auto looping = make_paged_list([](const std::string&) -> Result<Page> { return Page{{ObjectMeta{"x"}}, "same"}; });
  ASSERT_TRUE(looping->next().ok());
  EXPECT_FALSE(looping->next().ok());
}

TEST(TreeList, LexicographicOrderAndPrefixPruning) {
  // A tree where a per-directory sort by plain name would get the order wrong: "a.txt" sorts
  // before "a/..." bytewise ('.' < '/'), though "a" < "a.txt".
  std::map<std::string, std::vector<TreeEntry>> dirs;
  auto file = [](std::string name) {
    TreeEntry e;
    e.name = std::move(name);
    e.meta.size = 1;
    return e;
  };
  auto dir = [](std::string name) {
    TreeEntry e;
    e.name = std::move(name);
    e.is_dir = true;
    return e;
  };
  dirs[""] = {dir("a"), file("a.txt"), file("a-b"), file("B"), dir("z")};
  dirs["a/"] = {file("x"), dir("y"), file("0")};
  dirs["a/y/"] = {file("deep")};
  dirs["z/"] = {};
  std::vector<std::string> reads;
  auto reader = [&](const std::string& d) -> Result<std::vector<TreeEntry>> {
    reads.push_back(d);
    auto it = dirs.find(d);
    if (it == dirs.end()) return make_error(ErrorCode::kNotFound, d);
    return it->second;
  };
  auto collect = [&](std::string prefix, std::size_t page) {
    std::vector<std::string> keys;
    auto stream = make_tree_list(reader, std::move(prefix), page);
    for (;;) {
      auto p = stream->next();
      EXPECT_TRUE(p.ok());
      if (!p.ok() || !p->has_value()) break;
      EXPECT_LE((*p)->objects.size(), page);
      for (auto& o : (*p)->objects) keys.push_back(o.key);
    }
    return keys;
  };
  std::vector<std::string> all = collect("", 2);
  std::vector<std::string> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(all, sorted);
  EXPECT_EQ(all, (std::vector<std::string>{"B", "a-b", "a.txt", "a/0", "a/x", "a/y/deep"}));
  reads.clear();
  EXPECT_EQ(collect("a/y", 10), (std::vector<std::string>{"a/y/deep"}));
  EXPECT_EQ(reads, (std::vector<std::string>{"a/", "a/y/"}));  // z/ and the root are never read
  EXPECT_TRUE(collect("nothing/here/", 10).empty());           // a missing start directory is an empty listing
}

}  // namespace
}  // namespace tdump::store

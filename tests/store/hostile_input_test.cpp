// Untrusted listings and server text, without servers: the key spelling rule (against Python's
// own strict UTF-8 decoder as the oracle), server text made safe, continuation-token cycles,
// repeated and out-of-order keys, WebDAV hrefs that are not members, loops and deep trees.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "store/common/display_key.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/common/server_text.hpp"
#include "store/common/tree_list.hpp"
#include "store/http/webdav.hpp"

namespace tdump::store {
namespace {

// Captures what spdlog's default logger writes while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  [[nodiscard]] std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::vector<std::string> all_keys(ListStream& stream, std::optional<Error>* error = nullptr) {
  std::vector<std::string> keys;
  for (;;) {
    auto page = stream.next();
    if (!page) {
      if (error != nullptr) *error = page.error();
      break;
    }
    if (!page->has_value()) break;
    for (auto& o : (*page)->objects) keys.push_back(o.key);
  }
  return keys;
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

TEST(DisplayKey, InvalidBytesArePercentEscapedValidUtf8IsKept) {
  EXPECT_EQ(display_key("c\xFF.tif"), "c%FF.tif");
  EXPECT_EQ(display_key("c\xC3\xBF.tif"), "c\xC3\xBF.tif");  // "cÿ.tif": a different key, a different spelling
  EXPECT_NE(display_key("c\xFF.tif"), display_key("c\xC3\xBF.tif"));
  EXPECT_EQ(display_key("plain/a b+c%41.tif"), "plain/a b+c%41.tif");
  EXPECT_EQ(display_key("\xC0\xAF"), "%C0%AF");                      // overlong '/'
  EXPECT_EQ(display_key("\xED\xA0\x80"), "%ED%A0%80");               // a surrogate
  EXPECT_EQ(display_key("\xF4\x90\x80\x80"), "%F4%90%80%80");        // past U+10FFFF
  EXPECT_EQ(display_key("\xF0\x9F\x98\x80!"), "\xF0\x9F\x98\x80!");  // U+1F600 is fine
  EXPECT_EQ(display_key("\xE2\x82"), "%E2%82");                      // cut short
  std::string scratch;
  const std::string valid = "valid/\xC3\xA9.tif";
  EXPECT_EQ(display_key(valid, scratch).data(), valid.data());  // no copy for a valid key
  EXPECT_EQ(display_key(std::string_view("a\x80"), scratch), "a%80");
}

TEST(DisplayKey, AgreesWithPythonsStrictUtf8Decoder) {
  // Random byte strings, biased towards UTF-8 lead and continuation bytes; the oracle decodes
  // each with Python's strict UTF-8 codec, writing every byte it rejects as %XX.
  std::mt19937 rng(12345);
  const std::array<unsigned char, 16> interesting = {0x00, 0x1B, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF,
                                                     0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4};
  std::vector<std::string> inputs;
  for (int i = 0; i < 3000; ++i) {
    std::string s(std::uniform_int_distribution<int>(0, 8)(rng), '\0');
    for (auto& c : s) {
      c = static_cast<char>(rng() % 3 == 0 ? rng() % 256 : interesting.at(rng() % interesting.size()));
    }
    inputs.push_back(std::move(s));
  }
  std::string lines;
  for (const auto& s : inputs) lines += hex(s) + "\n";
  const char* script =
      "import codecs, sys\n"
      "codecs.register_error('pct', lambda e: (''.join('%%%02X' % b for b in e.object[e.start:e.end]), e.end))\n"
      "for line in sys.stdin.read().split('\\n')[:-1]:\n"
      "    print(bytes.fromhex(line).decode('utf-8', 'pct').encode('utf-8').hex())\n";
  auto r = tdump::testing::run_command({"python3", "-c", script}, {}, lines);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream expected(r.out);
  for (const auto& s : inputs) {
    std::string want;
    std::getline(expected, want);
    EXPECT_EQ(hex(display_key(s)), want) << hex(s);
    EXPECT_EQ(is_valid_utf8(s), display_key(s) == s) << hex(s);
  }
}

TEST(DisplayKey, TerminalSpellingAlsoEscapesControls) {
  EXPECT_EQ(terminal_key("a\x1b[2Jb\r\nc\td\x7f"
                         "e"),
            "a%1B[2Jb%0D%0Ac%09d%7Fe");
  EXPECT_EQ(terminal_key("x\xC2\x9B"
                         "1m\xFF"),
            "x%C2%9B1m%FF");                                                // C1 CSI, then an invalid byte
  EXPECT_EQ(terminal_key("caf\xC3\xA9/\xC2\xA0"), "caf\xC3\xA9/\xC2\xA0");  // U+00A0 is not a control
}

TEST(ServerText, ControlsAreEscapedNothingRawReachesATerminal) {
  EXPECT_EQ(server_text("Access\x1b[31mDenied\r\nX\x7f\xC2\x9B\xFF"),
            "Access\\x1B[31mDenied\\x0D\\x0AX\\x7F\\xC2\\x9B\\xFF");
  EXPECT_EQ(server_text("caf\xC3\xA9 ok"), "caf\xC3\xA9 ok");
}

TEST(ServerText, LongTextIsCutWithAMarker) {
  const std::string big(10 << 20, 'A');
  const std::string out = server_text(big);
  EXPECT_LT(out.size(), kServerTextMaxBytes + 64);
  EXPECT_EQ(out.substr(0, kServerTextMaxBytes), std::string(kServerTextMaxBytes, 'A'));
  EXPECT_NE(out.find("cut, 10485760 bytes in all"), std::string::npos) << out.substr(kServerTextMaxBytes);
  // Never inside an escape or a UTF-8 sequence.
  const std::string escapes = server_text(std::string(300, '\x1b'), {}, 10);
  EXPECT_EQ(escapes.substr(0, 8), "\\x1B\\x1B");
  EXPECT_EQ(escapes[8], ' ');
  const std::string accents = server_text(std::string(20, 'x') + "\xC3\xA9\xC3\xA9", {}, 21);
  EXPECT_EQ(accents.substr(0, 21), std::string(20, 'x') + " ");
}

TEST(ServerText, SecretsTheRequestCarriedAreRedacted) {
  const std::vector<std::string> secrets = {"FQoGZXIvYXdzEJr//TOKEN+value=", "Bearer ya29.access-token-value",
                                            "sv%3D1%26sig%3DAbC%2Bdef%2Fghi%3D"};
  const std::string echoed = "token FQoGZXIvYXdzEJr//TOKEN+value= and ya29.access-token-value and sig AbC+def/ghi=";
  const std::string out = server_text(echoed, secrets);
  EXPECT_EQ(out.find("TOKEN"), std::string::npos) << out;
  EXPECT_EQ(out.find("ya29"), std::string::npos) << out;
  EXPECT_EQ(out.find("sv=1&sig=AbC+def/ghi="), std::string::npos) << out;
  EXPECT_NE(out.find("[redacted]"), std::string::npos);
  // A secret straddling the cut is redacted before the cut.
  const std::string late = std::string(500, '.') + secrets[0];
  EXPECT_EQ(server_text(late, secrets).find("FQoG"), std::string::npos);
  // Short values would redact ordinary words: ignored.
  EXPECT_EQ(server_text("a key", std::vector<std::string>{"key"}), "a key");
}

TEST(ServerText, RequestSecretsCoverHeadersAndCredentialQueryValues) {
  http::Request request;
  request.url = "https://acct.blob.core.windows.net/c/k?sv=2021-08-06&sig=AbC%2Bdef%3D&se=2099";
  request.headers = {
      {"Authorization", "Bearer tok-123456"}, {"x-amz-security-token", "SESSION-TOKEN"}, {"range", "bytes=0-1"}};
  const auto secrets = request_secrets(request);
  EXPECT_EQ(secrets, (std::vector<std::string>{"Bearer tok-123456", "SESSION-TOKEN", "AbC%2Bdef%3D"}));
  EXPECT_EQ(server_text("echo AbC+def= tok-123456 SESSION-TOKEN", secrets), "echo [redacted] [redacted] [redacted]");
}

TEST(ServerText, ListingUrlsShowAShortToken) {
  const std::string token(70'000, 'T');
  const std::string shown = shorten_query_values("http://h/b?list-type=2&continuation-token=" + token + "&x=1");
  EXPECT_EQ(shown, "http://h/b?list-type=2&continuation-token=TTTTTTTTTTTTTTTT...(70000 bytes)&x=1");
}

TEST(ErrorFromResponse, ServerCodeAndMessageAreMadeSafe) {
  http::Response response;
  response.status = 403;
  response.attempts = 1;
  const std::string token = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQD-session-token";
  auto parser = [&](const http::Response&) {
    return RemoteError{
        "Access\x1b]0;pwned\x07"
        "Denied",
        "The token " + token + " is not valid\r\nfor this",
        {},
        {}};
  };
  const std::vector<std::string> secrets = {token};
  Error error = error_from_response(response, "GET s3://bkt/k", parser, secrets);
  EXPECT_EQ(error.remote_code, "Access\\x1B]0;pwned\\x07Denied");
  EXPECT_EQ(error.message, "GET s3://bkt/k: The token [redacted] is not valid\\x0D\\x0Afor this");
  EXPECT_EQ(error.message.find('\x1b'), std::string::npos);
}

TEST(ErrorFromResponse, ARedirectNamesOnlyTheTargetsOrigin) {
  http::Response response;
  response.status = 307;
  response.effective_url = "http://127.0.0.1:9000/bkt/k.tif";
  response.headers = {{"location", "http://user:pw@127.0.0.2:9001/bkt/k.tif?X-Amz-Security-Token=SECRET"}};
  Error error = error_from_response(response, "GET s3://bkt/k.tif", nullptr);
  EXPECT_EQ(error.code, ErrorCode::kHttp);
  EXPECT_EQ(error.http_status, 307);
  EXPECT_NE(error.message.find("a redirect to http://127.0.0.2:9001, which is not followed"), std::string::npos)
      << error.message;
  EXPECT_EQ(error.message.find("SECRET"), std::string::npos);
  EXPECT_EQ(error.message.find("pw"), std::string::npos);
  EXPECT_EQ(error.message.find("k.tif?"), std::string::npos);
}

TEST(PagedListHostile, ATokenCycleIsAnErrorNotAnEndlessListing) {
  // A -> B -> C -> A: never the same token twice in a row, so only remembering them all helps.
  std::map<std::string, Page> pages = {{"", Page{{ObjectMeta{"k0"}}, "A"}},
                                       {"A", Page{{ObjectMeta{"k1"}}, "B"}},
                                       {"B", Page{{ObjectMeta{"k2"}}, "C"}},
                                       {"C", Page{{ObjectMeta{"k3"}}, "A"}}};
  int fetches = 0;
  auto stream = make_paged_list(
      [&](const std::string& token) -> Result<Page> {
        ++fetches;
        return pages.at(token);
      },
      "s3://bkt/");
  std::optional<Error> error;
  EXPECT_EQ(all_keys(*stream, &error), (std::vector<std::string>{"k0", "k1", "k2"}));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::kParse);
  EXPECT_NE(error->message.find("listing s3://bkt/: the server sent continuation token 'A' a second time"),
            std::string::npos)
      << error->message;
  EXPECT_EQ(fetches, 4);
  EXPECT_FALSE(stream->next().ok() && stream->next()->has_value());  // ended
}

TEST(PagedListHostile, AHugeTokenIsRefusedAndNeverQuotedWhole) {
  const std::string huge(10 << 20, 'Z');
  auto stream = make_paged_list([&](const std::string&) -> Result<Page> { return Page{{ObjectMeta{"a"}}, huge}; });
  auto page = stream->next();
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kLimit);
  EXPECT_LT(page.error().message.size(), 300U) << page.error().message.substr(0, 300);
  // A long but acceptable token is quoted in part when it repeats.
  const std::string long_token(kMaxTokenBytes, 'Y');
  int n = 0;
  auto repeating = make_paged_list([&](const std::string&) -> Result<Page> {
    return Page{{ObjectMeta{"k" + std::to_string(n++)}}, long_token};
  });
  std::optional<Error> error;
  all_keys(*repeating, &error);
  ASSERT_TRUE(error.has_value());
  EXPECT_LT(error->message.size(), 300U);
}

TEST(PagedListHostile, RepeatedAndOutOfOrderKeysGiveOneEntryAndOneWarning) {
  LogCapture log;
  std::map<std::string, Page> pages = {
      {"", Page{{ObjectMeta{"a"}, ObjectMeta{"b"}, ObjectMeta{"c"}}, "t1"}},
      {"t1", Page{{ObjectMeta{"c"}, ObjectMeta{"b"}, ObjectMeta{"d"}}, "t2"}},  // a repeat, then a lie
      {"t2", Page{{ObjectMeta{"d"}, ObjectMeta{"e"}}, ""}}};
  {
    auto stream =
        make_paged_list([&](const std::string& token) -> Result<Page> { return pages.at(token); }, "gs://bkt/p/");
    EXPECT_EQ(all_keys(*stream), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("listing gs://bkt/p/: skipped 3 key(s) not in increasing order"), std::string::npos) << text;
  EXPECT_NE(text.find("e.g. 'c'"), std::string::npos) << text;
  EXPECT_EQ(text.find("skipped", text.find("skipped") + 1), std::string::npos) << "one warning: " << text;
}

TEST(PagedListHostile, AnOrderlyListingWarnsNothing) {
  LogCapture log;
  auto stream = make_paged_list([](const std::string& token) -> Result<Page> {
    if (token.empty()) return Page{{ObjectMeta{"a"}, ObjectMeta{"a/b"}}, "n"};
    return Page{{ObjectMeta{"a0"}, ObjectMeta{"\xC3\xA9"}}, ""};  // byte order: 'a/' < 'a0' < 0xC3
  });
  EXPECT_EQ(all_keys(*stream).size(), 4U);
  stream.reset();
  EXPECT_EQ(log.text(), "");
}

TEST(PagedListHostile, Utf16CodeUnitOrderForAzure) {
  // U+1F600 (F0 9F 98 80) sorts after U+FF01 (EF BC 81) by bytes, before it by UTF-16 code units
  // (D83D DE00 < FF01); everything else agrees.
  const std::string emoji = "\xF0\x9F\x98\x80.tif";
  const std::string fullwidth = "\xEF\xBC\x81.tif";
  EXPECT_TRUE(key_before(fullwidth, emoji, KeyOrder::kBytes));
  EXPECT_TRUE(key_before(emoji, fullwidth, KeyOrder::kUtf16CodeUnits));
  EXPECT_TRUE(key_before("B", "a", KeyOrder::kUtf16CodeUnits));
  EXPECT_TRUE(key_before("a", "a/b", KeyOrder::kUtf16CodeUnits));
  EXPECT_TRUE(key_before("\xE9\x80\x80", emoji, KeyOrder::kUtf16CodeUnits));  // U+9000 < U+1F600 in both
  EXPECT_FALSE(key_before("x", "x", KeyOrder::kUtf16CodeUnits));
  // The order is checked against Python sorting the same strings by their UTF-16-BE encoding.
  std::mt19937 rng(7);
  const std::array<std::string, 7> pieces = {"a", "B", "\xC3\xA9", "\xE9\x80\x80", "\xEF\xBC\x81", emoji, "/"};
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    std::string k;
    for (int j = std::uniform_int_distribution<int>(1, 4)(rng); j > 0; --j) k += pieces.at(rng() % pieces.size());
    keys.push_back(k);
  }
  std::string lines;
  for (const auto& k : keys) lines += hex(k) + "\n";
  const char* script =
      "import sys\n"
      "keys = sorted({bytes.fromhex(l).decode('utf-8') for l in sys.stdin.read().split()}, key=lambda k: "
      "k.encode('utf-16-be'))\n"
      "print('\\n'.join(k.encode('utf-8').hex() for k in keys))\n";
  auto r = tdump::testing::run_command({"python3", "-c", script}, {}, lines);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> expected;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) expected.push_back(line);
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) { return key_before(a, b, KeyOrder::kUtf16CodeUnits); });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::string> got;
  got.reserve(keys.size());
  for (const auto& k : keys) got.push_back(hex(k));
  EXPECT_EQ(got, expected);
}

TreeEntry file_entry(std::string name) {
  TreeEntry e;
  e.name = std::move(name);
  e.meta.size = 1;
  return e;
}
TreeEntry dir_entry(std::string name, std::uint64_t id = 0) {
  TreeEntry e;
  e.name = std::move(name);
  e.is_dir = true;
  e.identity = {id, id};
  return e;
}

TEST(TreeListHostile, ALoopIsAWarningAndTheFilesSeenAreKept) {
  LogCapture log;
  // "" (identity 1, told by its own empty-named entry) holds a/ (2) which links back to the root.
  std::map<std::string, std::vector<TreeEntry>> dirs;
  dirs[""] = {dir_entry("", 1), file_entry("x.tif"), dir_entry("a", 2)};
  dirs["a/"] = {file_entry("y.tif"), dir_entry("back", 1), dir_entry("self", 2)};
  auto stream =
      make_tree_list([&](const std::string& d) -> Result<std::vector<TreeEntry>> { return dirs.at(d); }, "", 100);
  std::optional<Error> error;
  EXPECT_EQ(all_keys(*stream, &error), (std::vector<std::string>{"a/y.tif", "x.tif"}));
  EXPECT_FALSE(error.has_value());
  const std::string text = log.text();
  EXPECT_NE(text.find("'a/back/' is a directory already being listed (a loop); skipped"), std::string::npos) << text;
  EXPECT_NE(text.find("'a/self/'"), std::string::npos) << text;
}

TEST(TreeListHostile, TooDeepATreeKeepsWhatWasSeen) {
  LogCapture log;
  // Every directory holds a file and one more directory, for ever.
  auto reader = [](const std::string& d) -> Result<std::vector<TreeEntry>> {
    (void)d;
    return std::vector<TreeEntry>{file_entry("f"), dir_entry("x")};
  };
  auto stream = make_tree_list(reader, "", 1000);
  std::optional<Error> error;
  const auto keys = all_keys(*stream, &error);
  EXPECT_FALSE(error.has_value()) << error->message;
  EXPECT_EQ(keys.size(), kMaxTreeDepth);
  EXPECT_EQ(keys.front(), "f");
  EXPECT_NE(log.text().find("deeper than 512 levels"), std::string::npos) << log.text();
}

TEST(WebDavHostile, DotHrefsSelfAndAncestorsAreNotMembers) {
  const char* body = R"(<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:">
<D:response><D:href>/d/sub/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype>
  <D:resource-id><D:href>urn:uuid:sub</D:href></D:resource-id></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>./</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/d/sub/%2e/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/d/sub/.</D:href><D:propstat><D:prop><D:resourcetype/></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>../</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/d/sub/x/../a.tif</D:href><D:propstat><D:prop><D:getcontentlength>5</D:getcontentlength>
  <D:resourcetype/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>b%20c.tif</D:href><D:propstat><D:prop><D:getcontentlength>7</D:getcontentlength>
  <D:resourcetype/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>http://other.example/d/sub/inner/</D:href><D:propstat><D:prop>
  <D:resourcetype><D:collection/></D:resourcetype><D:resource-id><D:href>urn:uuid:inner</D:href></D:resource-id>
  </D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/d/sub/x/y/deep.tif</D:href><D:propstat><D:prop><D:getcontentlength>1</D:getcontentlength>
  </D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
</D:multistatus>)";
  auto listing = parse_multistatus(body, "/d/sub/");
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  std::vector<std::string> names;
  for (const auto& e : listing->entries) names.push_back(e.name + (e.is_dir ? "/" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"a.tif", "b c.tif", "inner/"}));
  EXPECT_EQ(listing->entries[0].meta.size, 5U);
  EXPECT_NE(listing->entries[2].identity, (std::pair<std::uint64_t, std::uint64_t>{0, 0}));
  EXPECT_NE(listing->self_identity, (std::pair<std::uint64_t, std::uint64_t>{0, 0}));
  // "./", "%2e/" and "/d/sub/." name the directory again; "../" and "/" are above it.
  EXPECT_EQ(listing->back_links, (std::vector<std::string>{"/d/sub/", "/d/sub/", "/d/sub/", "/d/", "/"}));
}

}  // namespace
}  // namespace tdump::store

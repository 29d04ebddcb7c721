// resolve_redirect against RFC 3986 section 5.4's own examples (base "http://a/b/c/d;p?q"), and
// the origin rule of RFC 6454 (scheme, host, port; case and default ports normalised).
#include "http/redirect.hpp"

#include "http/authority.hpp"

#include <gtest/gtest.h>

namespace tdump::http {
namespace {

std::string resolved(std::string_view base, std::string_view location) {
  auto target = resolve_redirect(base, location);
  return target ? target->url : "error: " + target.error().message;
}

// RFC 3986 section 3.2.2 / 3.2.3: host = IP-literal / IPv4address / reg-name, port = *DIGIT (an
// empty port is no port); the IP-literal keeps its brackets.
TEST(Authority, SplitsHostAndPortAsRfc3986Writes) {
  auto a = split_authority("Example.COM:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "Example.COM");
  EXPECT_EQ(a->port, 8080);
  a = split_authority("[::1]:09");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "[::1]");
  EXPECT_EQ(a->port, 9);
  a = split_authority("host:");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "host");
  EXPECT_FALSE(a->port);
  a = split_authority("[v1.x]");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->port);
  for (const char* bad : {"", ":80", "[::1", "[::1]x", "h:65536", "h:8a", "h:-1"}) {
    EXPECT_FALSE(split_authority(bad)) << bad;
  }
  a = split_authority("[::1]:");  // an empty port after ']' is no port either
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->port);
}

TEST(Redirect, Rfc3986NormalExamples) {
  const std::string base = "http://a/b/c/d;p?q";
  // RFC 3986 5.4.1 (the fragment forms are left out: fragments are dropped).
  EXPECT_EQ(resolved(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(resolved(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(resolved(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolved(base, "/g"), "http://a/g");
  EXPECT_EQ(resolved(base, "//g"), "http://g/");
  EXPECT_EQ(resolved(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolved(base, "g?y"), "http://a/b/c/g?y");
  EXPECT_EQ(resolved(base, "#s"), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolved(base, ";x"), "http://a/b/c/;x");
  EXPECT_EQ(resolved(base, ""), "error: unusable redirect Location (empty)");
  EXPECT_EQ(resolved(base, "."), "http://a/b/c/");
  EXPECT_EQ(resolved(base, "./"), "http://a/b/c/");
  EXPECT_EQ(resolved(base, ".."), "http://a/b/");
  EXPECT_EQ(resolved(base, "../g"), "http://a/b/g");
  EXPECT_EQ(resolved(base, "../.."), "http://a/");
  EXPECT_EQ(resolved(base, "../../g"), "http://a/g");
}

TEST(Redirect, Rfc3986AbnormalExamples) {
  const std::string base = "http://a/b/c/d;p?q";
  // RFC 3986 5.4.2.
  EXPECT_EQ(resolved(base, "../../../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "../../../../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "/./g"), "http://a/g");
  EXPECT_EQ(resolved(base, "/../g"), "http://a/g");
  EXPECT_EQ(resolved(base, "g."), "http://a/b/c/g.");
  EXPECT_EQ(resolved(base, ".g"), "http://a/b/c/.g");
  EXPECT_EQ(resolved(base, "g.."), "http://a/b/c/g..");
  EXPECT_EQ(resolved(base, "..g"), "http://a/b/c/..g");
  EXPECT_EQ(resolved(base, "./../g"), "http://a/b/g");
  EXPECT_EQ(resolved(base, "./g/."), "http://a/b/c/g/");
  EXPECT_EQ(resolved(base, "g/./h"), "http://a/b/c/g/h");
  EXPECT_EQ(resolved(base, "g/../h"), "http://a/b/c/h");
  EXPECT_EQ(resolved(base, "g;x=1/./y"), "http://a/b/c/g;x=1/y");
  EXPECT_EQ(resolved(base, "g;x=1/../y"), "http://a/b/c/y");
  EXPECT_EQ(resolved(base, "g?y/./x"), "http://a/b/c/g?y/./x");
  EXPECT_EQ(resolved(base, "http:g"), "error: unusable redirect Location (an absolute URL without a host)");
}

TEST(Redirect, SameOriginIsSchemeHostAndPort) {
  auto same = [](std::string_view base, std::string_view location) {
    auto target = resolve_redirect(base, location);
    EXPECT_TRUE(target.ok()) << location;
    return target.ok() && target->same_origin;
  };
  EXPECT_TRUE(same("http://h:8080/a/b", "/c"));
  EXPECT_TRUE(same("http://h:8080/a/b", "c?x=1"));
  EXPECT_TRUE(same("http://Host.Example/a", "HTTP://host.example:80/b"));
  EXPECT_TRUE(same("https://h/a", "https://H:443/b"));
  EXPECT_TRUE(same("http://[::1]:9/a", "http://[::1]:9/b"));
  EXPECT_FALSE(same("https://h/a", "http://h/a"));  // a downgrade to plain http
  EXPECT_FALSE(same("http://h/a", "https://h/a"));
  EXPECT_FALSE(same("http://127.0.0.1:9000/b/k", "http://127.0.0.2:9000/b/k"));
  EXPECT_FALSE(same("http://127.0.0.1:9000/b/k", "http://127.0.0.1:9001/b/k"));
  EXPECT_FALSE(same("http://h/a", "//other/a"));
  EXPECT_FALSE(same("http://h:80/a", "http://h:8080/a"));
}

TEST(Redirect, OriginNeverCarriesPathQueryOrUserinfo) {
  auto target =
      resolve_redirect("https://s3.example/bkt/k", "HTTP://user:PASS@Evil.Example:8080/x?X-Amz-Security-Token=T#f");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->origin, "http://evil.example:8080");
  EXPECT_FALSE(target->same_origin);
  EXPECT_EQ(target->url, "http://Evil.Example:8080/x?X-Amz-Security-Token=T");  // userinfo and fragment gone
  EXPECT_EQ(resolve_redirect("http://h/", "https://h:443/")->origin, "https://h");
  EXPECT_EQ(origin_of("https://u:p@H.example:443/a?b"), "https://h.example");
  EXPECT_EQ(origin_of("http://h:8080"), "http://h:8080");
  EXPECT_EQ(origin_of("s3://bucket/key"), "");
}

TEST(Redirect, UnusableLocationsAreErrorsThatDoNotQuoteThem) {
  const std::string base = "http://h/a";
  for (std::string_view bad : {"ftp://h/x", "file:///etc/passwd", "javascript:alert(1)", "http://h:99999/x",
                               "http://:80/x", "http://h/a\r\nSet-Cookie: x", "/a\x1b[31m"}) {
    auto target = resolve_redirect(base, bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_EQ(target.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(target.error().message.find("/x"), std::string::npos) << target.error().message;
  }
  EXPECT_FALSE(resolve_redirect(base, std::string(kMaxLocationBytes + 1, 'a')).ok());
  EXPECT_FALSE(resolve_redirect("s3://bucket/key", "/x").ok());
}

TEST(Redirect, SpacesAndHighBytesAreEncoded) {
  EXPECT_EQ(resolved("http://h/a/", "b c/\xC3\xA9.tif"), "http://h/a/b%20c/%C3%A9.tif");
  EXPECT_EQ(resolved("http://h/a/", "  /x  "), "http://h/x");  // surrounding blanks are not part of it
}

TEST(Redirect, RedirectStatuses) {
  for (int status : {301, 302, 303, 307, 308}) EXPECT_TRUE(is_redirect_status(status)) << status;
  for (int status : {200, 300, 304, 305, 306, 400}) EXPECT_FALSE(is_redirect_status(status)) << status;
}

}  // namespace
}  // namespace tdump::http

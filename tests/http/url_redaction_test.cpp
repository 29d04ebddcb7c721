// URLs in errors and logs never show userinfo, and show a query only when the caller chose to.
#include "http/url_redaction.hpp"

#include <gtest/gtest.h>

namespace tdump::http {
namespace {

TEST(Redaction, StripsUserinfoQueryAndFragment) {
  EXPECT_EQ(redact_url("https://user:pa@ss@host.example:8443/a/b.tif?sig=SECRET&x=1#frag"),
            "https://host.example:8443/a/b.tif");
  EXPECT_EQ(redact_url("http://127.0.0.1:9000/bucket/key%20with%20space.tif"),
            "http://127.0.0.1:9000/bucket/key%20with%20space.tif");
  EXPECT_EQ(redact_url("https://account.blob.core.windows.net/c/k?sv=2021&sig=abc"),
            "https://account.blob.core.windows.net/c/k");
  EXPECT_EQ(redact_url("http://token@host?x=1"), "http://host");
}

TEST(Redaction, AtSignInPathOrQueryIsNotUserinfo) {
  EXPECT_EQ(redact_url("http://host/a@b/c"), "http://host/a@b/c");
  EXPECT_EQ(strip_userinfo("http://host/p?mail=a@b"), "http://host/p?mail=a@b");
}

TEST(Redaction, DisplayUrlKeepsItsQueryButNeverUserinfo) {
  Request request;
  request.url = "https://u:p@host/key?X-Amz-Signature=SECRET";
  EXPECT_EQ(take_display_url(request), "https://host/key");
  request.display_url = "https://u:p@host/key?versionId=3";
  EXPECT_EQ(take_display_url(request), "https://host/key?versionId=3");
  request.display_url = "https://host/key?versionId=4";  // no userinfo: taken as it is
  EXPECT_EQ(take_display_url(request), "https://host/key?versionId=4");
  request.display_url = "https://a@b:p@c@host:9/k?@";  // the last '@' of the authority ends the userinfo
  EXPECT_EQ(take_display_url(request), "https://host:9/k?@");
}

TEST(Redaction, UserinfoOfEveryUrlInAText) {
  EXPECT_EQ(redact_userinfo_in_text("http://user:PASS@host/a.tif: not the URL of an object of http://host/"),
            "http://host/a.tif: not the URL of an object of http://host/");
  EXPECT_EQ(redact_userinfo_in_text("from 'https://a:b@x:1?q' and s3://k@bkt/p@q"),
            "from 'https://x:1?q' and s3://bkt/p@q");
  EXPECT_EQ(redact_userinfo_in_text("no url, an @ sign, and :// alone"), "no url, an @ sign, and :// alone");
  EXPECT_EQ(redact_userinfo_in_text("tail http://u:p@h"), "tail http://h");
}

TEST(Redaction, NotAUrl) {
  EXPECT_EQ(redact_url("relative/path?q"), "relative/path");
  EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace tdump::http

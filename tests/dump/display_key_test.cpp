// display_key: valid UTF-8 unchanged, every byte outside a well-formed sequence as %XX (RFC 3629's
// well-formed sequences: no overlong forms, no surrogates, nothing past U+10FFFF).
#include <gtest/gtest.h>

#include "dump/display_key.hpp"

namespace tdump::dump {
namespace {

TEST(DisplayKey, ValidUtf8IsUnchanged) {
  EXPECT_EQ(display_key("a/b c.tif"), "a/b c.tif");
  EXPECT_EQ(display_key("c\xC3\xBF.tif"), "c\xC3\xBF.tif");                                  // ÿ
  EXPECT_EQ(display_key("\xE2\x82\xAC/\xF0\x9F\x98\x80"), "\xE2\x82\xAC/\xF0\x9F\x98\x80");  // € and an emoji
  EXPECT_EQ(display_key("100%.tif"), "100%.tif");
  EXPECT_EQ(display_key(""), "");
}

TEST(DisplayKey, StrayBytesBecomeUpperCaseHex) {
  EXPECT_EQ(display_key("c\xFF.tif"), "c%FF.tif");
  EXPECT_NE(display_key("c\xFF.tif"), display_key("c\xC3\xBF.tif"));
  EXPECT_EQ(display_key("\xC3"), "%C3");                       // a sequence cut short at the end
  EXPECT_EQ(display_key("\xE2\x82x"), "%E2%82x");              // cut short before an ASCII byte
  EXPECT_EQ(display_key("\xC0\xAF"), "%C0%AF");                // overlong '/'
  EXPECT_EQ(display_key("\xED\xA0\x80"), "%ED%A0%80");         // a UTF-16 surrogate
  EXPECT_EQ(display_key("\xF4\x90\x80\x80"), "%F4%90%80%80");  // past U+10FFFF
  EXPECT_EQ(display_key("a\x80\xC3\xA9"), "a%80\xC3\xA9");     // a lone continuation byte, then é
}

TEST(DisplayKey, IsUtf8) {
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8(std::string_view("nul\0inside", 10)));
  EXPECT_FALSE(is_utf8("\xFF"));
}

}  // namespace
}  // namespace tdump::dump

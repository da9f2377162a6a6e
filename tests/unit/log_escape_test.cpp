// escape_for_log: every class of the rules in core/log_escape.hpp, sequences
// split by other bytes, and invalid UTF-8 of each kind.
#include "core/log_escape.hpp"

#include <gtest/gtest.h>

#include <string>

namespace baton {
namespace {

std::string esc(std::string_view s) { return escape_for_log(s); }

TEST(LogEscape, PlainAsciiTabAndBackslashPassThrough) {
  const std::string ascii = "alice sent: 1 \t ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./ AZaz09";
  EXPECT_FALSE(needs_escape(ascii));
  EXPECT_EQ(esc(ascii), ascii);
  EXPECT_FALSE(needs_escape(""));
  EXPECT_EQ(esc(""), "");
  EXPECT_EQ(esc("\\u{2028}"), "\\u{2028}");  // already-escaped-looking text is not special
}

TEST(LogEscape, OrdinaryUtf8PassesThrough) {
  for (const std::string s : {"caf\xC3\xA9", "\xE6\xBC\xA2\xE5\xAD\x97", "\xF0\x9F\x98\x80 ok",
                              "\xC2\xA0\xC2\xBF",      // U+00A0, U+00BF: just past C1
                              "\xE2\x80\x8D",          // U+200D ZWJ (emoji sequences)
                              "\xE2\x80\xAF",          // U+202F: just past the bidi embeddings
                              "\xE2\x81\xA5\xE2\x81\xAA",  // U+2065, U+206A: around the isolates
                              "\xD8\x9B\xD8\x9D",      // U+061B, U+061D: around ALM
                              "\xEF\xBF\xBD",          // U+FFFD
                              "\xF4\x8F\xBF\xBF"}) {   // U+10FFFF, the last code point
    EXPECT_FALSE(needs_escape(s)) << s;
    EXPECT_EQ(esc(s), s);
  }
}

TEST(LogEscape, C1ControlsAsUtf8) {
  EXPECT_EQ(esc("\xC2\x80"), "\\u{0080}");
  EXPECT_EQ(esc("a\xC2\x85z"), "a\\u{0085}z");  // NEL
  EXPECT_EQ(esc("\xC2\x9B[31m"), "\\u{009B}[31m");  // CSI
  EXPECT_EQ(esc("\xC2\x9F"), "\\u{009F}");
  EXPECT_TRUE(needs_escape("\xC2\x80"));
}

TEST(LogEscape, C1ControlsAsRawBytes) {
  EXPECT_EQ(esc("\x80"), "\\x80");
  EXPECT_EQ(esc("x\x9B[2Jy"), "x\\x9B[2Jy");
  EXPECT_EQ(esc("\x85\x9F"), "\\x85\\x9F");
}

TEST(LogEscape, LineAndParagraphSeparators) {
  EXPECT_EQ(esc("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), "a\\u{2028}b\\u{2029}c");
}

TEST(LogEscape, BidiControls) {
  EXPECT_EQ(esc("\xE2\x80\x8E"), "\\u{200E}");
  EXPECT_EQ(esc("\xE2\x80\x8F"), "\\u{200F}");
  EXPECT_EQ(esc("\xD8\x9C"), "\\u{061C}");
  EXPECT_EQ(esc("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD\xE2\x80\xAE"),
            "\\u{202A}\\u{202B}\\u{202C}\\u{202D}\\u{202E}");
  EXPECT_EQ(esc("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9"), "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
  // The classic "Trojan Source" shape: an RLO hides the order of what follows.
  EXPECT_EQ(esc("pay \xE2\x80\xAE" "0001$"), "pay \\u{202E}0001$");
}

TEST(LogEscape, C0ControlsAndDelAreEscapedToo) {
  // The codecs refuse these in payloads; escaping them as well keeps the
  // function safe for text that did not pass through a codec.
  EXPECT_EQ(esc("\x1B[2J"), "\\u{001B}[2J");
  EXPECT_EQ(esc("a\nb\r"), "a\\u{000A}b\\u{000D}");
  EXPECT_EQ(esc(std::string("\0", 1)), "\\u{0000}");
  EXPECT_EQ(esc("\x7F"), "\\u{007F}");
}

TEST(LogEscape, MixedWithOrdinaryTextAroundAndBetween) {
  EXPECT_EQ(esc("\xC3\xA9\xE2\x80\xAE\xE6\xBC\xA2\x80\xF0\x9F\x98\x80"), "\xC3\xA9\\u{202E}\xE6\xBC\xA2\\x80\xF0\x9F\x98\x80");
}

TEST(LogEscape, SequenceSplitByOtherBytesIsInvalid) {
  // E2 80 | A8: the middle of U+2028 cut by an ASCII byte.
  EXPECT_EQ(esc("\xE2\x80" "A\xA8"), "\\xE2\\x80A\\xA8");
  // C2 | 85: a C1 control split in two.
  EXPECT_EQ(esc("\xC2 \x85"), "\\xC2 \\x85");
}

TEST(LogEscape, TruncatedSequences) {
  EXPECT_EQ(esc("\xC3"), "\\xC3");
  EXPECT_EQ(esc("\xE2\x80"), "\\xE2\\x80");
  EXPECT_EQ(esc("ok\xF0\x9F\x98"), "ok\\xF0\\x9F\\x98");
  // A truncated sequence does not swallow the valid one after it.
  EXPECT_EQ(esc("\xE2\x80\xE2\x80\xA8"), "\\xE2\\x80\\u{2028}");
  EXPECT_EQ(esc("\xE6\xBC\xC3\xA9"), "\\xE6\\xBC\xC3\xA9");
}

TEST(LogEscape, OverlongForms) {
  EXPECT_EQ(esc("\xC0\xAF"), "\\xC0\\xAF");           // '/' in 2 bytes
  EXPECT_EQ(esc("\xC1\x9B"), "\\xC1\\x9B");           // ESC-ish in 2 bytes
  EXPECT_EQ(esc("\xE0\x82\x85"), "\\xE0\\x82\\x85");  // U+0085 in 3 bytes
  EXPECT_EQ(esc("\xF0\x82\x80\xA8"), "\\xF0\\x82\\x80\\xA8");  // U+2028 in 4 bytes
  EXPECT_EQ(esc("\xE0\xA0\x80"), "\xE0\xA0\x80");     // U+0800, the shortest 3-byte form, is fine
}

TEST(LogEscape, SurrogatesAreInvalid) {
  EXPECT_EQ(esc("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // U+D800
  EXPECT_EQ(esc("\xED\xBF\xBF"), "\\xED\\xBF\\xBF");  // U+DFFF
  EXPECT_EQ(esc("\xED\xA0\xBD\xED\xB8\x80"), "\\xED\\xA0\\xBD\\xED\\xB8\\x80");  // CESU-8 pair
  EXPECT_EQ(esc("\xED\x9F\xBF"), "\xED\x9F\xBF");     // U+D7FF, just below, is fine
}

TEST(LogEscape, BeyondU10FFFFAndInvalidLeads) {
  EXPECT_EQ(esc("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");
  EXPECT_EQ(esc("\xF5\x80\x80\x80"), "\\xF5\\x80\\x80\\x80");
  EXPECT_EQ(esc("\xFE\xFF"), "\\xFE\\xFF");
  EXPECT_EQ(esc("\xBF"), "\\xBF");
}

}  // namespace
}  // namespace baton

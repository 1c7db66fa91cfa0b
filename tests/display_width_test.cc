// util/display_width: terminal columns from Unicode properties, whatever the
// locale; the right-to-left test and the isolates tables wrap such cells in.
#include "util/display_width.h"

#include <clocale>
#include <string>

#include "gtest/gtest.h"
#include "util/text.h"

namespace {

using util::DisplayWidth;

TEST(DisplayWidthTest, AsciiIsItsLength) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("s-7-1-39"), 8u);
  EXPECT_EQ(DisplayWidth("CNY 27,960,000.00"), 17u);
}

TEST(DisplayWidthTest, CjkIsTwoColumnsEach) {
  EXPECT_EQ(DisplayWidth("张伟"), 4u);
  EXPECT_EQ(DisplayWidth("李 明"), 5u);
  EXPECT_EQ(DisplayWidth("김철수"), 6u);         // Hangul syllables
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4u);            // fullwidth forms
  EXPECT_EQ(DisplayWidth("ｶﾀｶﾅ"), 4u);           // halfwidth katakana
}

TEST(DisplayWidthTest, CombiningMarksTakeNoColumn) {
  EXPECT_EQ(DisplayWidth("Jose\xCC\x81"), 4u);                  // e + U+0301
  EXPECT_EQ(DisplayWidth("Jos\xC3\xA9"), 4u);                   // precomposed é
  EXPECT_EQ(DisplayWidth("Nguye\xCC\x82\xCC\x83n"), 6u);        // two marks on one letter
  // Myanmar: consonants and spacing vowel signs (Mc) take a column, the
  // asat (U+103A, Mn) none: မ ေ ာ င ် = 4.
  EXPECT_EQ(DisplayWidth("မောင်"), 4u);
  EXPECT_EQ(DisplayWidth("မောင်မောင်"), 8u);
}

TEST(DisplayWidthTest, ArabicAndHebrewAreOneColumnPerLetter) {
  EXPECT_EQ(DisplayWidth("محمد علي"), 8u);
  EXPECT_EQ(DisplayWidth("דוד"), 3u);
}

TEST(DisplayWidthTest, ZeroWidthAndIgnorables) {
  EXPECT_EQ(DisplayWidth("a\xE2\x80\x8B" "b"), 2u);  // ZERO WIDTH SPACE
  EXPECT_EQ(DisplayWidth("a\xE2\x80\x8D" "b"), 2u);  // ZWJ between letters
  EXPECT_EQ(DisplayWidth("\xE2\x81\xA8" "abc" "\xE2\x81\xA9"), 3u);  // FSI abc PDI
  EXPECT_EQ(DisplayWidth("a\xEF\xBB\xBF"), 1u);      // BOM / ZWNBSP
  EXPECT_EQ(DisplayWidth("a\x07" "b"), 2u);          // a control: no column
}

TEST(DisplayWidthTest, EmojiAreTwoColumnsPerCluster) {
  EXPECT_EQ(DisplayWidth("😀"), 2u);
  EXPECT_EQ(DisplayWidth("👍🏽"), 2u);                        // with a skin tone
  EXPECT_EQ(DisplayWidth("👨‍👩‍👧"), 2u);                        // ZWJ sequence
  EXPECT_EQ(DisplayWidth("🇲🇲"), 2u);                        // a flag
  EXPECT_EQ(DisplayWidth("\xE2\x9D\xA4\xEF\xB8\x8F"), 2u);  // ❤ + VS16
}

TEST(DisplayWidthTest, EscapedTextIsAscii) {
  const std::string escaped = ledger::EscapeText("a\tb\xE2\x80\xAE" "c\xFF");
  EXPECT_EQ(DisplayWidth(escaped), escaped.size());
  EXPECT_EQ(DisplayWidth("\xFF\xFE"), 2u);  // not UTF-8: one column a byte
}

TEST(DisplayWidthTest, SameAnswerInTheCLocale) {
  std::setlocale(LC_ALL, "C");
  EXPECT_EQ(DisplayWidth("张伟 محمد علي"), 13u);
}

TEST(DisplayWidthTest, RightToLeftIsWrappedInIsolates) {
  EXPECT_TRUE(util::HasRightToLeft("محمد علي"));
  EXPECT_TRUE(util::HasRightToLeft("ID דוד 7"));
  EXPECT_FALSE(util::HasRightToLeft("张伟"));
  EXPECT_FALSE(util::HasRightToLeft("1,234 (MM)"));
  EXPECT_EQ(util::IsolateIfRightToLeft("abc"), "abc");
  EXPECT_EQ(util::IsolateIfRightToLeft("محمد"), "\xE2\x81\xA8محمد\xE2\x81\xA9");
  EXPECT_EQ(DisplayWidth(util::IsolateIfRightToLeft("محمد")), 4u);
}

TEST(PluralTest, OneAndMany) {
  EXPECT_EQ(ledger::Plural(1, "raid", "raids"), "raid");
  EXPECT_EQ(ledger::Plural(0, "raid", "raids"), "raids");
  EXPECT_EQ(ledger::Counted(1, "raid", "raids"), "1 raid");
  EXPECT_EQ(ledger::Counted(1719796, "month", "months"), "1,719,796 months");
  EXPECT_EQ(ledger::Approximately(48000), "about 48,000");
}

}  // namespace

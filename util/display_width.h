// The width of text in a terminal's columns, for aligning tables, measured
// from the Unicode character properties (ICU), never from the locale: the
// same answer under LANG=C as under a UTF-8 locale (CI runs in the C locale).
//
// Rules, per grapheme cluster (what a terminal draws as one character):
//  - East Asian Width W or F (CJK, Hangul syllables, most emoji): 2 columns;
//  - nonspacing and enclosing marks (Mn, Me), format characters (Cf, e.g. the
//    bidi isolates U+2068/U+2069 and ZERO WIDTH JOINER), default-ignorable
//    code points, Hangul medial vowels and final consonants: 0;
//  - control characters: 0 (tables print them escaped, see EscapeText);
//  - bytes that are not UTF-8: 1 each (they print as an escape or U+FFFD);
//  - everything else, spacing marks (Mc, e.g. Myanmar vowel signs) too: 1;
//  - a cluster with an emoji presentation selector (U+FE0F), a skin tone
//    modifier, a ZWJ emoji sequence or a pair of regional indicators (a
//    flag): 2.
// Terminals disagree on some scripts (e.g. Myanmar, Indic conjuncts); these
// are the rules of wcwidth(3) in glibc's UTF-8 locales, without the locale.
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_UTIL_DISPLAY_WIDTH_H_
#define ENFORCEMENT_UTIL_DISPLAY_WIDTH_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace util {

// The number of terminal columns `utf8` takes.
size_t DisplayWidth(std::string_view utf8);

// Whether `utf8` holds a strong right-to-left character (bidi class R or AL:
// Hebrew, Arabic, Syriac, Thaana, ...), i.e. whether it can reorder the text
// around it when printed in a row; tables wrap such cells in isolates.
bool HasRightToLeft(std::string_view utf8);

// U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, in UTF-8.
inline constexpr std::string_view kFirstStrongIsolate = "\xE2\x81\xA8";
inline constexpr std::string_view kPopDirectionalIsolate = "\xE2\x81\xA9";

// `utf8` wrapped in FSI ... PDI when HasRightToLeft(utf8), else unchanged:
// the text keeps its own direction and cannot reorder what is beside it.
std::string IsolateIfRightToLeft(std::string_view utf8);

}  // namespace util

#endif  // ENFORCEMENT_UTIL_DISPLAY_WIDTH_H_

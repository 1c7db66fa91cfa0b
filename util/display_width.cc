#include "util/display_width.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>

namespace util {
namespace {

// The width of one code point on its own.
int CodePointWidth(UChar32 c) {
  if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return 0;  // controls
  if (c < 0x7F) return 1;                              // printable ASCII
  if (c == 0x00AD) return 1;  // SOFT HYPHEN: printed by terminals, as in wcwidth
  const int8_t category = u_charType(c);
  if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK ||
      category == U_FORMAT_CHAR) {
    return 0;
  }
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return 0;
  const int hangul = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
  if (hangul == U_HST_VOWEL_JAMO || hangul == U_HST_TRAILING_JAMO) return 0;
  const int eaw = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  if (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH) return 2;
  return 1;
}

bool IsRegionalIndicator(UChar32 c) { return c >= 0x1F1E6 && c <= 0x1F1FF; }

// Code points of `utf8`; a byte that is not UTF-8 becomes U+FFFD (width 1).
icu::UnicodeString ToUnicode(std::string_view utf8) {
  icu::UnicodeString s;
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t n = static_cast<int32_t>(utf8.size());
  int32_t at = 0;
  while (at < n) {
    UChar32 c;
    U8_NEXT(bytes, at, n, c);
    s.append(c < 0 ? static_cast<UChar32>(0xFFFD) : c);
  }
  return s;
}

}  // namespace

size_t DisplayWidth(std::string_view utf8) {
  bool ascii = true;
  for (char ch : utf8) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b >= 0x7F) {
      ascii = false;
      break;
    }
  }
  if (ascii) return utf8.size();
  const icu::UnicodeString text = ToUnicode(utf8);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> clusters(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  size_t width = 0;
  if (U_FAILURE(status) || clusters == nullptr) {  // no break data: code point by code point
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
      width += static_cast<size_t>(CodePointWidth(text.char32At(i)));
    }
    return width;
  }
  clusters->setText(text);
  int32_t start = clusters->first();
  for (int32_t end = clusters->next(); end != icu::BreakIterator::DONE;
       start = end, end = clusters->next()) {
    size_t w = 0;
    int regional = 0;
    bool emoji = false;
    for (int32_t i = start; i < end; i = text.moveIndex32(i, 1)) {
      const UChar32 c = text.char32At(i);
      if (c == 0xFE0F || (c == 0x200D && i > start)) emoji = true;
      if (i > start && u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER)) {  // a skin tone
        emoji = true;
        continue;
      }
      if (IsRegionalIndicator(c)) ++regional;
      w += static_cast<size_t>(CodePointWidth(c));
    }
    if (emoji && u_hasBinaryProperty(text.char32At(start), UCHAR_EMOJI)) w = 2;
    if (regional == 2) w = 2;
    width += w;
  }
  return width;
}

bool HasRightToLeft(std::string_view utf8) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t n = static_cast<int32_t>(utf8.size());
  int32_t at = 0;
  while (at < n) {
    UChar32 c;
    U8_NEXT(bytes, at, n, c);
    if (c < 0x80) continue;
    const UCharDirection d = u_charDirection(c);
    if (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC) return true;
  }
  return false;
}

std::string IsolateIfRightToLeft(std::string_view utf8) {
  if (!HasRightToLeft(utf8)) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size() + 6);
  out.append(kFirstStrongIsolate);
  out.append(utf8);
  out.append(kPopDirectionalIsolate);
  return out;
}

}  // namespace util

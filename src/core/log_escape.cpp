#include "core/log_escape.hpp"

#include <cstdint>

namespace baton {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_cont(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// The length of the valid UTF-8 sequence (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF) that starts at s[i], storing its code point;
// 0 if s[i] does not start one.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  const std::size_t left = s.size() - i;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // below: overlong
    if (b0 == 0xED) hi = 0x9F;  // above: UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // below: overlong
    if (b0 == 0xF4) hi = 0x8F;  // above: beyond U+10FFFF
  } else {
    return 0;  // continuation byte, overlong lead C0/C1, or F5-FF
  }
  if (left < len || byte(1) < lo || byte(1) > hi) return 0;
  char32_t v = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if (!is_cont(byte(k))) return 0;
    v = (v << 6) | (byte(k) & 0x3F);
  }
  cp = v;
  return len;
}

bool dangerous(char32_t cp) noexcept {
  return (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool plain_ascii(unsigned char c) noexcept { return (c >= 0x20 && c < 0x7F) || c == '\t'; }

// Index of the first byte at which escaping starts, or s.size().
std::size_t first_to_escape(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (plain_ascii(c)) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = decode(s, i, cp);
    if (len == 0 || dangerous(cp)) return i;
    i += len;
  }
  return s.size();
}

}  // namespace

bool needs_escape(std::string_view s) noexcept { return first_to_escape(s) != s.size(); }

std::string escape_for_log(std::string_view s) {
  std::size_t i = first_to_escape(s);
  if (i == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  out.append(s.substr(0, i));
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (plain_ascii(c)) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = decode(s, i, cp);
    if (len == 0) {
      // Resume at the next byte: a truncated sequence must not swallow a
      // valid one that follows it.
      out.append({'\\', 'x', kHex[c >> 4], kHex[c & 0xF]});
      ++i;
    } else if (dangerous(cp)) {
      out.append("\\u{");
      // All code points escaped are below U+10000, so 4 digits are enough.
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 0xF]);
      out.push_back('}');
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace baton

// log_escape on arbitrary bytes, against an independent UTF-8 decoder.
// Properties (core/log_escape.hpp): the output is valid UTF-8 with no code
// point dangerous on screen (no C0 but tab, DEL, C1, bidi or line separator);
// text that is valid UTF-8 with none of those comes out unchanged and is the
// only text needs_escape() passes; escaping is idempotent; each input byte
// grows to at most 8 output bytes ("\u{XXXX}" for a 1-byte control).
#include <string>

#include "core/log_escape.hpp"
#include "fuzz_util.hpp"

namespace {

// Decodes s as UTF-8 (RFC 3629); false on the first invalid sequence or on a
// code point that the log must not show as is.
bool clean_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || s.size() - i < len) return false;
    char32_t cp = len == 1 ? b : b & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c >> 6) != 0x2) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kShortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    const bool control = (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
    const bool layout = cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
                        (cp >= 0x2066 && cp <= 0x2069);
    if (control || layout) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string out = baton::escape_for_log(in);
  FUZZ_CHECK(clean_utf8(out));
  FUZZ_CHECK(baton::needs_escape(in) == !clean_utf8(in));
  FUZZ_CHECK(baton::needs_escape(in) == (out != in));
  FUZZ_CHECK(!baton::needs_escape(out) && baton::escape_for_log(out) == out);
  FUZZ_CHECK(out.size() <= 8 * in.size());
  return 0;
}

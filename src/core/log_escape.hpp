// Escaping of untrusted text for the human (text) log, so that a payload can
// neither reorder what a terminal or an editor shows (bidi controls), nor
// break a line where a viewer does but grep does not (U+2028/U+2029, NEL),
// nor smuggle terminal control sequences (C0/C1 controls, raw bytes).
//
// Rules, applied left to right:
//  - printable ASCII and tab, and every other valid UTF-8 sequence: unchanged
//    (backslash included: the output is for reading, not for unescaping);
//  - a valid UTF-8 sequence of a code point that is dangerous on screen:
//    C0 controls but tab, DEL, C1 controls (U+0080-U+009F), U+061C,
//    U+200E, U+200F, U+2028-U+202E, U+2066-U+2069  ->  \u{XXXX};
//  - each byte that is not part of a valid UTF-8 sequence (stray continuation
//    bytes, overlong forms, surrogates, code points above U+10FFFF, truncated
//    sequences)  ->  \xNN.
// Hex digits are uppercase; \u{} has exactly 4 (every such code point is
// below U+10000).
#pragma once

#include <string>
#include <string_view>

namespace baton {

// True if escape_for_log(s) would differ from s. Plain ASCII is checked
// byte by byte without decoding, so the common case costs one pass.
bool needs_escape(std::string_view s) noexcept;

// s with the rules above applied; a copy of s if nothing needs escaping.
std::string escape_for_log(std::string_view s);

}  // namespace baton

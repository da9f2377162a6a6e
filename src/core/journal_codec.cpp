#include "core/journal_codec.hpp"

#include <charconv>
#include <optional>

#include <boost/crc.hpp>

#include "core/journal_port.hpp"
#include "core/limits.hpp"

namespace baton::journal {
namespace {

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// The body of a valid record starting at `at`, if one does.
std::optional<std::string_view> frame_at(std::string_view seg, std::size_t at) noexcept {
  if (seg.size() - at < kFrameBytes) return std::nullopt;
  const std::uint32_t len = get_u32(seg.data() + at);
  if (len > kMaxRecordBytes || seg.size() - at - kFrameBytes < len) return std::nullopt;
  Crc32c crc;
  crc.process_bytes(seg.data() + at, 4);
  crc.process_bytes(seg.data() + at + kFrameBytes, len);
  if (crc.checksum() != get_u32(seg.data() + at + 4)) return std::nullopt;
  return seg.substr(at + kFrameBytes, len);
}

// A turn number as this format writes it: decimal digits, no sign, no
// leading zero. Too large (for u64, or >= kMaxTurn) is told apart from malformed.
enum class Num : std::uint8_t { ok, malformed, overflow };
Num parse_number(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return Num::malformed;
  for (char c : s)
    if (c < '0' || c > '9') return Num::malformed;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return Num::overflow;
  if (ec != std::errc{} || p != s.data() + s.size()) return Num::malformed;
  return out >= kMaxTurn ? Num::overflow : Num::ok;
}

// Splits off the text up to the next space; false if there is none.
bool take_word(std::string_view& rest, std::string_view& word) noexcept {
  const auto sp = rest.find(' ');
  if (sp == std::string_view::npos) return false;
  word = rest.substr(0, sp);
  rest.remove_prefix(sp + 1);
  return true;
}

Body with_number(Body b, Num n, std::uint64_t value) noexcept {
  if (n != Num::ok) return Body{n == Num::overflow ? Body::Kind::overflow : Body::Kind::malformed, 0, {}, {}, {}};
  b.number = value;
  return b;
}

}  // namespace

std::uint32_t crc32c(std::string_view bytes) noexcept {
  Crc32c crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string encode_header() {
  std::string h(kMagic);
  put_u32(h, kFormatVersion);
  put_u32(h, crc32c(h));
  return h;
}

HeaderCheck check_header(std::string_view seg) noexcept {
  if (seg.size() < kHeaderBytes) return HeaderCheck::too_short;
  if (seg.substr(0, kMagic.size()) != kMagic) return HeaderCheck::bad_magic;
  if (crc32c(seg.substr(0, 12)) != get_u32(seg.data() + 12)) return HeaderCheck::bad_crc;
  // Checked after the CRC: a flipped bit in the version is damage, not a newer baton.
  if (get_u32(seg.data() + 8) != kFormatVersion) return HeaderCheck::newer_version;
  return HeaderCheck::ok;
}

void append_record(std::string& out, std::string_view body) {
  const auto at = out.size();
  put_u32(out, static_cast<std::uint32_t>(body.size()));
  put_u32(out, 0);
  out.append(body);
  Crc32c crc;
  crc.process_bytes(out.data() + at, 4);
  crc.process_bytes(body.data(), body.size());
  const std::uint32_t sum = crc.checksum();
  for (int i = 0; i < 4; ++i) out[at + 4 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
}

std::string send_body(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) {
  std::string b;
  b.reserve(ring.size() + name.size() + payload.size() + 26);
  b.append("S ").append(ring).append(" ").append(std::to_string(turn)).append(" ").append(name).append(" ");
  b.append(payload);
  return b;
}

std::string reserve_body(std::uint64_t upto) { return "R " + std::to_string(upto); }

Scan scan(std::string_view seg, std::size_t from) {
  Scan s;
  std::size_t at = std::min(from, seg.size());
  while (at < seg.size()) {
    if (auto body = frame_at(seg, at)) {
      s.frames.push_back({at, *body});
      at += kFrameBytes + body->size();
      continue;
    }
    std::size_t next = at + 1;
    while (next < seg.size() && !frame_at(seg, next)) ++next;
    s.gaps.push_back({at, next - at});
    at = next;
  }
  if (!s.gaps.empty()) {
    s.damage_at = s.gaps.front().offset;
    const bool valid_after = !s.frames.empty() && s.frames.back().offset > s.damage_at;
    s.verdict = valid_after ? Scan::Verdict::damaged_middle : Scan::Verdict::damaged_tail;
  }
  return s;
}

Body parse_body(std::string_view body) noexcept {
  if (body.size() < 2 || body[1] != ' ') return {};
  std::string_view rest = body.substr(2);
  std::uint64_t n = 0;
  if (body[0] == 'R') {
    const Num parsed = parse_number(rest, n);
    return with_number(Body{Body::Kind::reserve, 0, {}, {}, {}}, parsed, n);
  }
  if (body[0] != 'S') return {};
  Body b{Body::Kind::send, 0, {}, {}, {}};
  std::string_view turn;
  if (!take_word(rest, b.ring) || !take_word(rest, turn) || !take_word(rest, b.name)) return {};
  if (!valid_name(b.ring) || !valid_name(b.name) || !valid_payload(rest)) return {};
  b.payload = rest;
  const Num parsed = parse_number(turn, n);
  return with_number(b, parsed, n);
}

}  // namespace baton::journal

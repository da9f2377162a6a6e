// The journal's bytes (docs/ARCHITECTURE.md, "The journal"): a segment header,
// framed records, a scanner that tells a torn tail from damage in the middle,
// and the strict parsing of record bodies.
//
// Pure: no file I/O, so the scanner can be fed anything (fuzz/journal_recovery_fuzz.cpp).
//
//   header   "BATONWAL" | u32 LE version (2) | u32 LE CRC32C of the 12 bytes before
//   record   u32 LE length L | u32 LE CRC32C of (the 4 length bytes + body) | L body bytes
//   body     "S <ring> <turn> <name> <payload>"   an accepted send
//            "R <upto>"                            numbers up to upto may be granted
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baton::journal {

inline constexpr std::string_view kMagic = "BATONWAL";
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kHeaderBytes = 16;
inline constexpr std::size_t kFrameBytes = 8;  // length + CRC before each body
// A body is at most a send line (names and a payload bounded by kMaxLine), so
// a longer length can only be damage; bounding it also bounds what a damaged
// length makes the scanner read.
inline constexpr std::size_t kMaxRecordBytes = 16 * 1024;

// CRC32C (Castagnoli), as iSCSI and ext4 use it.
std::uint32_t crc32c(std::string_view bytes) noexcept;

std::string encode_header();
enum class HeaderCheck : std::uint8_t { ok, too_short, bad_magic, bad_crc, newer_version };
HeaderCheck check_header(std::string_view segment) noexcept;

// Appends one framed record; the body must be at most kMaxRecordBytes.
void append_record(std::string& out, std::string_view body);
std::string send_body(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload);
std::string reserve_body(std::uint64_t upto);

// One valid record: `offset` is where its frame starts in the segment.
struct Frame {
  std::size_t offset;
  std::string_view body;
  std::size_t end() const noexcept { return offset + kFrameBytes + body.size(); }
};
// Bytes that are not a valid record, from offset for length bytes.
struct Gap {
  std::size_t offset;
  std::size_t length;
};

struct Scan {
  enum class Verdict : std::uint8_t {
    clean,
    damaged_tail,    // no valid record after damage_at: a torn write or appended garbage
    damaged_middle,  // a valid record follows the damage at damage_at: the file was changed
  };
  std::vector<Frame> frames;  // every valid record, in file order (also those after damage)
  std::vector<Gap> gaps;      // every damaged range, in file order
  Verdict verdict = Verdict::clean;
  std::size_t damage_at = 0;  // offset of the first gap
};

// Reads the records of a whole segment from `from` (after the header).
// Damage is skipped by looking for the next offset where a valid record starts.
Scan scan(std::string_view segment, std::size_t from = kHeaderBytes);

// A parsed body. For a send, number is the turn; for a reservation, upto.
struct Body {
  enum class Kind : std::uint8_t {
    send,
    reserve,
    malformed,  // not a body this format writes
    overflow,   // a number >= kMaxTurn: the turn counter could overflow
  };
  Kind kind = Kind::malformed;
  std::uint64_t number = 0;
  std::string_view ring, name, payload;
};
Body parse_body(std::string_view body) noexcept;

}  // namespace baton::journal

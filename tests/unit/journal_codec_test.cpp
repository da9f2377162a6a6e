#include "core/journal_codec.hpp"

#include <gtest/gtest.h>

#include "core/journal_port.hpp"

namespace baton::journal {
namespace {

std::string segment(std::initializer_list<std::string> bodies) {
  std::string s = encode_header();
  for (const auto& b : bodies) append_record(s, b);
  return s;
}

TEST(JournalCodec, Crc32cStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(JournalCodec, HeaderRoundTripAndRefusals) {
  const std::string h = encode_header();
  ASSERT_EQ(h.size(), kHeaderBytes);
  EXPECT_EQ(h.substr(0, 8), "BATONWAL");
  EXPECT_EQ(check_header(h), HeaderCheck::ok);
  EXPECT_EQ(check_header(h.substr(0, 15)), HeaderCheck::too_short);
  std::string bad = h;
  bad[0] = 'X';
  EXPECT_EQ(check_header(bad), HeaderCheck::bad_magic);
  bad = h;
  bad[12] ^= 1;
  EXPECT_EQ(check_header(bad), HeaderCheck::bad_crc);
  bad = h;
  bad[8] ^= 1;  // a flipped version bit is damage, not a newer baton
  EXPECT_EQ(check_header(bad), HeaderCheck::bad_crc);
  // A newer baton's header: version 3 with its CRC right.
  std::string v3 = "BATONWAL";
  v3 += std::string("\x03\0\0\0", 4);
  const auto c = crc32c(v3);
  for (int i = 0; i < 4; ++i) v3.push_back(static_cast<char>((c >> (8 * i)) & 0xff));
  EXPECT_EQ(check_header(v3), HeaderCheck::newer_version);
}

TEST(JournalCodec, EncodeScanRoundTrip) {
  const std::string s = segment({reserve_body(0), send_body("r", 1, "alice", "hello world"), reserve_body(65537)});
  const Scan sc = scan(s);
  EXPECT_EQ(sc.verdict, Scan::Verdict::clean);
  ASSERT_EQ(sc.frames.size(), 3u);
  EXPECT_EQ(sc.frames[0].offset, kHeaderBytes);
  EXPECT_EQ(sc.frames[1].body, "S r 1 alice hello world");
  EXPECT_EQ(sc.frames[2].end(), s.size());
  const Body b = parse_body(sc.frames[1].body);
  EXPECT_EQ(b.kind, Body::Kind::send);
  EXPECT_EQ(b.ring, "r");
  EXPECT_EQ(b.number, 1u);
  EXPECT_EQ(b.name, "alice");
  EXPECT_EQ(b.payload, "hello world");
  EXPECT_EQ(parse_body(sc.frames[2].body).number, 65537u);
  EXPECT_EQ(parse_body(send_body("r", 2, "n", "")).payload, "");
}

TEST(JournalCodec, TornLastRecordIsATailAtItsOffset) {
  const std::string whole = segment({reserve_body(5), send_body("r", 6, "a", "x")});
  const auto last = scan(whole).frames.back().offset;
  for (std::size_t cut = last + 1; cut < whole.size(); ++cut) {
    const Scan sc = scan(std::string_view(whole).substr(0, cut));
    EXPECT_EQ(sc.verdict, Scan::Verdict::damaged_tail) << cut;
    EXPECT_EQ(sc.damage_at, last);
    EXPECT_EQ(sc.frames.size(), 1u);
  }
}

TEST(JournalCodec, BitFlipInLastRecordIsATail) {
  std::string s = segment({reserve_body(5), send_body("r", 6, "a", "x")});
  const auto last = scan(s).frames.back().offset;
  s.back() ^= 0x10;
  const Scan sc = scan(s);
  EXPECT_EQ(sc.verdict, Scan::Verdict::damaged_tail);
  EXPECT_EQ(sc.damage_at, last);
}

TEST(JournalCodec, GarbageAppendedIsATail) {
  std::string s = segment({reserve_body(5)});
  const auto end = s.size();
  for (int i = 0; i < 4096; ++i) s.push_back(static_cast<char>((i * 7919) & 0xff));
  const Scan sc = scan(s);
  EXPECT_EQ(sc.verdict, Scan::Verdict::damaged_tail);
  EXPECT_EQ(sc.damage_at, end);
  ASSERT_EQ(sc.gaps.size(), 1u);
  EXPECT_EQ(sc.gaps[0].length, 4096u);
}

TEST(JournalCodec, BitFlipInAMiddleRecordIsMiddleDamageAndResyncs) {
  std::string s = segment({reserve_body(5), send_body("r", 6, "a", "x"), send_body("r", 7, "b", "y")});
  const auto mid = scan(s).frames[1];
  s[mid.offset + kFrameBytes + 2] ^= 0x01;
  const Scan sc = scan(s);
  EXPECT_EQ(sc.verdict, Scan::Verdict::damaged_middle);
  EXPECT_EQ(sc.damage_at, mid.offset);
  ASSERT_EQ(sc.frames.size(), 2u);
  EXPECT_EQ(parse_body(sc.frames[1].body).number, 7u) << "the record after the damage is found again";
}

TEST(JournalCodec, OversizedLengthIsDamage) {
  std::string s = encode_header();
  append_record(s, std::string(kMaxRecordBytes, 'x'));
  EXPECT_EQ(scan(s).verdict, Scan::Verdict::clean);
  std::string big = encode_header();
  append_record(big, std::string(kMaxRecordBytes + 1, 'x'));
  EXPECT_EQ(scan(big).verdict, Scan::Verdict::damaged_tail);
}

TEST(JournalCodec, BodiesAreParsedStrictly) {
  using K = Body::Kind;
  EXPECT_EQ(parse_body("R 0").kind, K::reserve);
  EXPECT_EQ(parse_body("R 18446744073709551615").kind, K::overflow);
  EXPECT_EQ(parse_body("R 99999999999999999999999").kind, K::overflow);
  EXPECT_EQ(parse_body("R " + std::to_string(kMaxTurn)).kind, K::overflow);
  EXPECT_EQ(parse_body("R " + std::to_string(kMaxTurn - 1)).kind, K::reserve);
  EXPECT_EQ(parse_body("S r 4611686018427387904 a x").kind, K::overflow);
  for (const char* bad : {"", "R", "R ", "R -1", "R +1", "R 01", "R 1 ", "R 1x", "X 1", "S r 1 a", "S r x a p",
                          "S bad/ring 1 a p", "S r 1 a p\n", "S  1 a p", "R\t1"})
    EXPECT_EQ(parse_body(bad).kind, K::malformed) << bad;
  EXPECT_EQ(parse_body("S r 1 a two words  spaced").payload, "two words  spaced");
}

}  // namespace
}  // namespace baton::journal

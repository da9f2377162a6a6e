// recover_journal over real files: the floor, each kind of damage, what is cut
// with a warning and what refuses to start, and --journal-repair.
#include "server/journal_recovery.hpp"

#include <gtest/gtest.h>

#include "core/journal_port.hpp"
#include "journal_files.hpp"

namespace baton::server::test {
namespace {

using journal::reserve_body;
using journal::send_body;

bool mentions(const std::vector<std::string>& warnings, const std::string& what) {
  for (const auto& w : warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

// A shard-0 segment whose last record is S 12: the floor is 12 when it is whole.
std::string three_records() {
  return segment({reserve_body(10), send_body("r", 11, "a", "x"), send_body("r", 12, "b", "y")});
}

TEST(JournalRecovery, MissingOrEmptyDirIsAFreshJournal) {
  TempDir d;
  EXPECT_EQ(recover_journal(d / "none", RecoveryMode::start).floor, 0u);
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 0u);
  EXPECT_EQ(r.next_seq, 1u);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(JournalRecovery, FloorIsTheHighestNumberOfAnyShardAndNextSeqIsAboveAll) {
  TempDir d;
  spill(d / segment_name(0, 3), three_records());
  spill(d / segment_name(1, 7), segment({reserve_body(65548)}));
  spill(d / segment_name(1, 2), segment({reserve_body(5), send_body("q", 999, "c", "old")}));
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 65548u);
  EXPECT_EQ(r.next_seq, 8u);
  EXPECT_FALSE(r.damaged);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(JournalRecovery, AStartReadsOnlyWhatTheNewestReservationDoesNotCover) {
  // Shard 1's newest segment begins with R 65548: its older segment is not
  // read at start (a month of history costs no start-up time), but check and
  // repair read everything.
  TempDir d;
  spill(d / segment_name(1, 7), segment({reserve_body(65548)}));
  std::string old = segment({reserve_body(5), send_body("q", 999, "c", "old")});
  old[old.size() - 2] ^= 0x20;  // damage a newer one covers
  old += "more";
  spill(d / segment_name(1, 2), old);
  EXPECT_EQ(recover_journal(d.path(), RecoveryMode::start).floor, 65548u);
  EXPECT_TRUE(recover_journal(d.path(), RecoveryMode::check).damaged) << "check reads every segment";
}

TEST(JournalRecovery, ANewestSegmentWithoutItsReservationCoversNothing) {
  // A crash right after the header of a new segment: the older one is read.
  TempDir d;
  spill(d / segment_name(0, 1), segment({reserve_body(70000), send_body("q", 69000, "c", "x")}));
  spill(d / segment_name(0, 2), journal::encode_header());
  EXPECT_EQ(recover_journal(d.path(), RecoveryMode::start).floor, 70000u);
}

TEST(JournalRecovery, TornLastRecordIsCutWithAWarning) {
  TempDir d;
  const std::string whole = three_records();
  const auto last = record_offset(whole, 2);
  const auto file = d / segment_name(0, 1);
  spill(file, whole.substr(0, whole.size() - 3));
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 11u) << "the torn record does not count";
  EXPECT_TRUE(mentions(r.warnings, file.string() + ": damaged tail at offset " + std::to_string(last)));
  EXPECT_EQ(slurp(file), whole.substr(0, last)) << "cut back to the last good record";
  EXPECT_TRUE(recover_journal(d.path(), RecoveryMode::start).warnings.empty()) << "clean after the cut";
}

TEST(JournalRecovery, BitFlipInTheLastRecordIsCut) {
  TempDir d;
  std::string s = three_records();
  const auto last = record_offset(s, 2);
  s[s.size() - 1] ^= 0x04;
  spill(d / segment_name(0, 1), s);
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 11u);
  EXPECT_TRUE(mentions(r.warnings, "offset " + std::to_string(last)));
  EXPECT_EQ(fs::file_size(d / segment_name(0, 1)), last);
}

TEST(JournalRecovery, GarbageAppendedIsCutAndItsOffsetNamed) {
  TempDir d;
  std::string s = three_records();
  const auto end = s.size();
  for (int i = 0; i < 4096; ++i) s.push_back(static_cast<char>(i * 31 + 7));
  spill(d / segment_name(0, 1), s);
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 12u);
  EXPECT_TRUE(mentions(r.warnings, "damaged tail at offset " + std::to_string(end) + " (4096 bytes"));
  EXPECT_EQ(fs::file_size(d / segment_name(0, 1)), end);
}

TEST(JournalRecovery, BitFlipInAMiddleRecordRefusesWithFileAndOffset) {
  TempDir d;
  std::string s = three_records();
  const auto mid = record_offset(s, 1);
  s[mid + journal::kFrameBytes + 3] ^= 0x01;
  const auto file = d / segment_name(0, 1);
  spill(file, s);
  try {
    recover_journal(d.path(), RecoveryMode::start);
    FAIL() << "damage in the middle must refuse";
  } catch (const JournalDamage& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_EQ(e.offset(), mid);
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find("offset " + std::to_string(mid)), std::string::npos) << what;
    EXPECT_NE(what.find("--journal-repair"), std::string::npos) << what;
  }
  EXPECT_EQ(slurp(file), s) << "nothing changed";
}

TEST(JournalRecovery, RepairDropsTheDamageRewritesAndTheNextStartIsClean) {
  TempDir d;
  std::string s = three_records();
  const auto mid = record_offset(s, 1);
  s[mid + journal::kFrameBytes + 3] ^= 0x01;
  const auto file = d / segment_name(0, 1);
  spill(file, s);
  const Recovery r = recover_journal(d.path(), RecoveryMode::repair);
  EXPECT_EQ(r.floor, 12u) << "the record after the damage is kept";
  EXPECT_TRUE(mentions(r.warnings, "offset " + std::to_string(mid)));
  EXPECT_TRUE(mentions(r.warnings, "dropped"));
  EXPECT_EQ(slurp(file), segment({reserve_body(10), send_body("r", 12, "b", "y")}));
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  const Recovery again = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(again.floor, 12u);
  EXPECT_TRUE(again.warnings.empty());
}

TEST(JournalRecovery, NumbersThatCouldOverflowAreRefusedAndRepairDropsThem) {
  for (const std::string& bad : {std::string("R 18446744073709551615"), send_body("r", baton::kMaxTurn, "a", "x")}) {
    TempDir d;
    const std::string s = segment({reserve_body(10), bad, send_body("r", 11, "a", "x")});
    spill(d / segment_name(0, 1), s);
    try {
      recover_journal(d.path(), RecoveryMode::start);
      ADD_FAILURE() << bad;
    } catch (const JournalDamage& e) {
      EXPECT_EQ(e.offset(), record_offset(s, 1)) << bad;
      EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
    }
    const Recovery r = recover_journal(d.path(), RecoveryMode::repair);
    EXPECT_EQ(r.floor, 11u) << bad;
    EXPECT_TRUE(mentions(r.warnings, "overflow"));
    EXPECT_TRUE(recover_journal(d.path(), RecoveryMode::start).warnings.empty());
  }
}

TEST(JournalRecovery, BadHeaderIsRefusedAndUnknownVersionEvenWithRepair) {
  TempDir d;
  std::string s = three_records();
  s[3] = 'x';
  spill(d / segment_name(0, 1), s);
  EXPECT_THROW(recover_journal(d.path(), RecoveryMode::start), JournalDamage);

  TempDir v;
  std::string newer = three_records();
  newer[8] = 3;  // version 3, its header CRC made right
  const auto c = journal::crc32c(std::string_view(newer).substr(0, 12));
  for (int i = 0; i < 4; ++i) newer[12 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
  spill(v / segment_name(0, 1), newer);
  for (auto mode : {RecoveryMode::start, RecoveryMode::repair}) {
    try {
      recover_journal(v.path(), mode);
      ADD_FAILURE() << "a newer format must refuse";
    } catch (const JournalUnusable& e) {
      EXPECT_NE(std::string(e.what()).find("newer baton"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(slurp(v / segment_name(0, 1)), newer);
}

TEST(JournalRecovery, DamagedTailOfAnOlderSegmentIsRefused) {
  TempDir d;
  const std::string s = three_records();
  spill(d / segment_name(0, 1), s.substr(0, s.size() - 2));
  spill(d / segment_name(0, 2), segment({send_body("q", 20, "c", "x")}));  // no reservation first: covers nothing
  try {
    recover_journal(d.path(), RecoveryMode::start);
    FAIL();
  } catch (const JournalDamage& e) {
    EXPECT_EQ(e.file(), d / segment_name(0, 1));
    EXPECT_EQ(e.offset(), record_offset(s, 2));
  }
}

TEST(JournalRecovery, SegmentCutShortWhileCreatedIsRemoved) {
  TempDir d;
  spill(d / segment_name(0, 1), three_records());
  spill(d / segment_name(0, 2), journal::encode_header().substr(0, 5));
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_EQ(r.floor, 12u);
  EXPECT_FALSE(fs::exists(d / segment_name(0, 2)));
  EXPECT_EQ(r.next_seq, 3u) << "its seq is not reused";
}

TEST(JournalRecovery, CheckChangesNothingAndReportsEverything) {
  TempDir d;
  std::string s = three_records();
  s[record_offset(s, 1) + journal::kFrameBytes] ^= 0x20;
  s += "garbage";
  spill(d / segment_name(0, 1), s);
  const Recovery r = recover_journal(d.path(), RecoveryMode::check);
  EXPECT_TRUE(r.damaged);
  EXPECT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.floor, 12u);
  EXPECT_EQ(slurp(d / segment_name(0, 1)), s);
}

}  // namespace
}  // namespace baton::server::test

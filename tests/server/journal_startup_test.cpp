// open_journal: the directory locked for the server's life, the floor from
// recovery, one new segment per shard above every seq, and old segments
// beyond the maximum removed at start.
#include "server/journal_startup.hpp"

#include <gtest/gtest.h>

#include "journal_files.hpp"
#include "server/journal_recovery.hpp"

namespace baton::server::test {
namespace {

ServerConfig config_for(const fs::path& dir) {
  ServerConfig c;
  c.journal = dir.string();
  c.journal_segment_bytes = 64 << 10;
  c.journal_max_bytes = 128 << 10;
  return c;
}

TEST(OpenJournal, NewSegmentsPerShardAboveEverySeqStartingAtTheFloor) {
  TempDir d;
  const auto dir = d / "j";  // created on demand
  {
    OpenJournal j = open_journal(config_for(dir), 2);
    EXPECT_EQ(j.floor, 0u);
    ASSERT_EQ(j.shards.size(), 2u);
    EXPECT_TRUE(j.shards[1]->reserve(70000));
    j.shards[0]->stage_send("r", 3, "a", "x");
    EXPECT_TRUE(j.shards[0]->commit());
    EXPECT_THROW(open_journal(config_for(dir), 1), JournalLocked) << "the lock is held while j lives";
  }
  OpenJournal again = open_journal(config_for(dir), 3);
  EXPECT_EQ(again.floor, 70000u);
  EXPECT_EQ(again.shards[2]->active_segment(), dir / segment_name(2, 2));
  EXPECT_EQ(again.shards[0]->reservation(), 70000u);
  EXPECT_TRUE(fs::exists(dir / segment_name(1, 1))) << "well within the maximum: kept";
}

TEST(OpenJournal, OldSegmentsBeyondTheMaximumGoAtStartAndTheFloorStays) {
  TempDir d;
  std::string big = journal::encode_header();
  journal::append_record(big, journal::reserve_body(5));
  for (std::uint64_t t = 6; big.size() < (60 << 10); ++t)
    journal::append_record(big, journal::send_body("r", t, "a", std::string(1000, 'y')));
  for (unsigned seq = 1; seq <= 4; ++seq) spill(d / segment_name(seq % 2, seq), big);
  const std::uint64_t floor = recover_journal(d.path(), RecoveryMode::check).floor;
  {
    OpenJournal j = open_journal(config_for(d.path()), 1);
    EXPECT_EQ(j.floor, floor);
    std::uint64_t total = 0;
    for (const auto& s : list_segments(d.path())) total += s.bytes;
    EXPECT_LE(total, 64u << 10) << "half the maximum: room for the new segment to fill";
    EXPECT_FALSE(fs::exists(d / segment_name(1, 1)));
  }
  EXPECT_EQ(recover_journal(d.path(), RecoveryMode::start).floor, floor) << "the new segment's first record keeps it";
}

}  // namespace
}  // namespace baton::server::test

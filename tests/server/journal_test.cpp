// ShardJournal and the journal directory over real files: batches, a failed
// commit cut off again, reservations, rotation and retention, the lock, and
// the old text format refused.
#include "server/journal.hpp"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>

#include "journal_files.hpp"
#include "server/journal_recovery.hpp"

namespace baton::server::test {
namespace {

using journal::Body;

std::vector<Body> bodies_of(const std::string& seg) {
  std::vector<Body> out;
  for (const auto& f : journal::scan(seg).frames) out.push_back(journal::parse_body(f.body));
  return out;
}
std::vector<Body> bodies_of(std::string&&) = delete;  // the bodies view into the segment's bytes

TEST(ShardJournal, NewSegmentStartsWithTheReservation) {
  TempDir d;
  ShardJournal j(d.path(), 2, 5, 1234, {});
  EXPECT_EQ(j.active_segment(), d / "s2-0000000000000005.wal");
  const std::string seg = slurp(j.active_segment());
  EXPECT_EQ(journal::check_header(seg), journal::HeaderCheck::ok);
  const auto b = bodies_of(seg);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, Body::Kind::reserve);
  EXPECT_EQ(b[0].number, 1234u);
}

TEST(ShardJournal, ABatchIsCommittedWhole) {
  TempDir d;
  ShardJournal j(d.path(), 0, 1, 0, {});
  EXPECT_TRUE(j.commit()) << "nothing staged: nothing to do";
  j.stage_send("r", 1, "alice", "one");
  j.stage_send("r", 2, "bob", "two words");
  EXPECT_EQ(j.staged(), 2u);
  EXPECT_TRUE(j.commit());
  EXPECT_EQ(j.staged(), 0u);
  const std::string seg = slurp(j.active_segment());
  const auto b = bodies_of(seg);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[2].payload, "two words");
  EXPECT_EQ(recover_journal(d.path(), RecoveryMode::check).floor, 2u);
}

// RLIMIT_FSIZE makes the kernel refuse bytes past a size, as a full disk
// would: a short write, or EFBIG when not one byte fits.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit l{bytes, old_.rlim_max};
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &l), 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int);
};

TEST(ShardJournal, AFailedCommitLeavesTheFileAsItWasAndARetryWorks) {
  TempDir d;
  ShardJournal j(d.path(), 0, 1, 0, {});
  j.stage_send("r", 1, "a", "kept");
  ASSERT_TRUE(j.commit());
  const std::string before = slurp(j.active_segment());
  for (rlim_t room : {rlim_t{40}, rlim_t{0}}) {  // a short write; then no byte at all
    {
      FileSizeLimit limit(before.size() + room);
      j.stage_send("r", 2, "a", std::string(1000, 'p'));
      j.stage_send("r", 3, "b", "q");
      EXPECT_FALSE(j.commit()) << room;
    }
    EXPECT_EQ(j.staged(), 0u) << "the batch is dropped";
    EXPECT_EQ(slurp(j.active_segment()), before) << "cut back to its size before the write";
  }
  j.stage_send("r", 2, "a", "again");
  EXPECT_TRUE(j.commit());
  const Recovery r = recover_journal(d.path(), RecoveryMode::check);
  EXPECT_FALSE(r.damaged);
  EXPECT_EQ(r.floor, 2u);
}

TEST(ShardJournal, DiskFullOnATinyTmpfs) {
  TempDir d;
  const auto mnt = d / "tmpfs";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  ShardJournal j(mnt, 0, 1, 0, {});
  std::string last_good = slurp(j.active_segment());
  bool failed = false;
  for (std::uint64_t t = 1; t < 200 && !failed; ++t) {
    j.stage_send("r", t, "a", std::string(1000, 'x'));
    if (j.commit()) last_good = slurp(j.active_segment());
    else failed = true;
  }
  ASSERT_TRUE(failed) << "64 KiB should fill up";
  EXPECT_EQ(slurp(j.active_segment()), last_good);
  EXPECT_FALSE(recover_journal(mnt, RecoveryMode::check).damaged);
}

TEST(ShardJournal, ReserveIsDurableAndNeverWritesAnOverflowingNumber) {
  TempDir d;
  ShardJournal j(d.path(), 0, 1, 7, {});
  EXPECT_EQ(j.reservation(), 7u);
  EXPECT_TRUE(j.reserve(65543));
  EXPECT_EQ(j.reservation(), 65543u);
  EXPECT_FALSE(j.reserve(kMaxTurn));
  EXPECT_EQ(j.reservation(), 65543u);
  EXPECT_EQ(recover_journal(d.path(), RecoveryMode::check).floor, 65543u);
}

TEST(ShardJournal, RotationAndRetentionKeepTheTotalWithinTheMaximumAndTheFloor) {
  TempDir d;
  const JournalLimits limits{64 << 10, 160 << 10};
  std::uint64_t turn = 0;
  {
    ShardJournal j(d.path(), 0, 1, 0, limits);
    for (int i = 0; i < 600; ++i) {
      j.stage_send("r", ++turn, "a", std::string(900, 'x'));
      ASSERT_TRUE(j.commit());
      if (i % 100 == 0) {
        ASSERT_TRUE(j.reserve(turn + 50));
      }
      std::uint64_t total = 0;
      for (const auto& s : list_segments(d.path())) {
        total += s.bytes;
        EXPECT_LE(s.bytes, limits.segment_bytes) << s.path;
      }
      ASSERT_LE(total, limits.max_bytes) << "after " << i + 1 << " commits";
    }
    EXPECT_NE(j.active_segment(), d / segment_name(0, 1)) << "rotated";
  }
  const auto segs = list_segments(d.path());
  EXPECT_GE(segs.size(), 2u);
  EXPECT_FALSE(fs::exists(d / segment_name(0, 1))) << "the oldest went";
  const Recovery r = recover_journal(d.path(), RecoveryMode::start);
  EXPECT_FALSE(r.damaged);
  EXPECT_EQ(r.floor, std::max<std::uint64_t>(turn, 501 + 50));
}

TEST(JournalDir, SegmentNamesRoundTrip) {
  EXPECT_EQ(segment_name(3, 0x1f), "s3-000000000000001f.wal");
  const auto s = parse_segment_name("/x/s12-00000000000000ff.wal");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->shard, 12u);
  EXPECT_EQ(s->seq, 255u);
  for (const char* bad : {"LOCK", "s-00000000000000ff.wal", "s1-ff.wal", "s1-00000000000000fg.wal",
                          "s1-00000000000000ff.wal.tmp", "sx-00000000000000ff.wal"})
    EXPECT_FALSE(parse_segment_name(bad)) << bad;
}

TEST(JournalDir, ASecondLockOnTheDirectoryFails) {
  TempDir d;
  DirLock first(d.path());
  try {
    DirLock second(d.path());
    FAIL() << "two servers on one journal";
  } catch (const JournalLocked& e) {
    EXPECT_NE(std::string(e.what()).find(d.path().string()), std::string::npos) << e.what();
  }
}

TEST(JournalDir, TheOldTextJournalIsRefusedAndAMissingDirCreated) {
  TempDir d;
  const auto old = d / "journal";
  spill(old, "S default 1 j x0\nG default 2\n");
  try {
    prepare_dir(old);
    FAIL();
  } catch (const JournalUnusable& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(old.string()), std::string::npos) << what;
    EXPECT_NE(what.find("old text journal format"), std::string::npos) << what;
    EXPECT_NE(what.find("mv "), std::string::npos) << what;
  }
  const auto fresh = d / "new";
  prepare_dir(fresh);
  EXPECT_TRUE(fs::is_directory(fresh));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(static_cast<mode_t>(fs::status(fresh).permissions() & fs::perms::all), 0755 & ~mask);
}

}  // namespace
}  // namespace baton::server::test

// baton-server's journal as an operator meets it: a damaged journal stops the
// start (exit 65, the file and offset named) until --journal-repair, a
// directory in use exits 75, the old text journal file exits 65.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/journal_codec.hpp"
#include "harness.hpp"
#include "server/journal_dir.hpp"

namespace baton::test {
namespace {

namespace fs = std::filesystem;

struct JournalDir {
  fs::path path = fs::temp_directory_path() / ("baton-journal-proc-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  JournalDir() { fs::remove_all(path); }
  ~JournalDir() { fs::remove_all(path); }
};

std::vector<std::string> server(const fs::path& journal, std::vector<std::string> more = {}) {
  std::vector<std::string> a{BATON_SERVER_BIN, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0",
                             "--min-members", "1", "--journal", journal.string()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(JournalProcess, DamageInTheMiddleExits65NamingFileAndOffsetAndRepairStarts) {
  JournalDir d;
  fs::create_directories(d.path);
  std::string seg = journal::encode_header();
  journal::append_record(seg, journal::reserve_body(10));
  journal::append_record(seg, journal::send_body("default", 11, "a", "x"));
  journal::append_record(seg, journal::send_body("default", 40, "b", "y"));
  const auto mid = journal::scan(seg).frames[1].offset;
  seg[mid + journal::kFrameBytes + 4] ^= 0x02;
  const fs::path file = d.path / server::segment_name(0, 1);
  std::ofstream(file, std::ios::binary) << seg;

  const auto refused = run_process(server(d.path));
  EXPECT_EQ(refused.exit_code, 65) << refused.out;
  EXPECT_NE(refused.out.find(file.string()), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("offset " + std::to_string(mid)), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--journal-repair"), std::string::npos) << refused.out;
  EXPECT_EQ(run_process({BATON_JOURNAL_BIN, "check", d.path.string()}).exit_code, 65);

  const auto repaired = run_process(server(d.path, {"--journal-repair"}), {}, 3s);
  EXPECT_NE(repaired.out.find("baton-server listening on"), std::string::npos) << repaired.out;
  EXPECT_NE(repaired.out.find("dropped"), std::string::npos) << repaired.out;
  EXPECT_NE(repaired.out.find("turn numbers continue above 40"), std::string::npos) << repaired.out;
  EXPECT_EQ(run_process({BATON_JOURNAL_BIN, "check", d.path.string()}).exit_code, 0);
}

TEST(JournalProcess, ADirectoryInUseExits75) {
  JournalDir d;
  ProcessResult first;
  std::thread t([&] { first = run_process(server(d.path), {}, 3s); });
  for (int i = 0; i < 100 && !fs::exists(d.path / "LOCK"); ++i) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(200ms);
  const auto second = run_process(server(d.path));
  t.join();
  EXPECT_NE(first.out.find("listening on"), std::string::npos) << first.out;
  EXPECT_EQ(second.exit_code, 75) << second.out;
  EXPECT_NE(second.out.find(d.path.string()), std::string::npos) << second.out;
}

TEST(JournalProcess, TheOldTextJournalFileExits65AndBadSizesAreUsageErrors) {
  JournalDir d;
  std::ofstream(d.path) << "S default 1 j x0\nG default 2\n";
  const auto old = run_process(server(d.path));
  EXPECT_EQ(old.exit_code, 65) << old.out;
  EXPECT_NE(old.out.find("old text journal format"), std::string::npos) << old.out;
  EXPECT_EQ(run_process(server(d.path, {"--journal-segment-bytes", "1000"})).exit_code, 64);
  EXPECT_EQ(run_process(server(d.path, {"--journal-segment-bytes", "1048576", "--journal-max-bytes", "1048577"}))
                .exit_code,
            64);
}

}  // namespace
}  // namespace baton::test

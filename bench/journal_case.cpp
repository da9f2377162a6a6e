// Journaled vs unjournaled baton, interleaved run by run so that a noisy
// neighbour on the machine hits both alike.
#include <sys/vfs.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "cases.hpp"
#include "stats.hpp"

namespace baton::bench {

namespace {

// A fresh directory for one run's journal, removed with everything in it
// however the run ends: journals of earlier runs must not be replayed (turn
// numbers would continue) nor fill the disk.
class TempDir {
 public:
  explicit TempDir(const std::string& base) {
    std::string tmpl = (std::filesystem::path(base) / "baton-journal-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp in " + base);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The file system decides what fdatasync costs, so the report names it.
std::string fs_type(const std::string& path) {
  struct statfs s{};
  if (::statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794C7630: return "overlayfs";
    case 0x2FC12FC1: return "zfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(s.f_type));
      return hex;
    }
  }
}

std::uintmax_t tree_bytes(const std::filesystem::path& dir) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  return n;
}

}  // namespace

JournalResult run_journal_cases(const JournalPlan& plan, const std::function<void(const std::string&)>& progress) {
  JournalResult res;
  res.dir_base = plan.dir_base;
  res.fs_type = fs_type(plan.dir_base);
  std::vector<std::size_t> ring_counts{1};
  if (plan.rings > 1) ring_counts.push_back(plan.rings);
  for (const std::size_t rings : ring_counts) {
    JournalCase c;
    c.rings = rings;
    // Many rings need ten turns per member before the start-up wave stops
    // dominating (as in --rings); one journaled ring is shorter because each
    // of its turns waits for a sync.
    c.plain_turns = rings == 1 ? plan.turns : std::max(plan.turns, rings * 20);
    c.journal_turns = rings == 1 ? plan.journal_turns : std::max(plan.journal_turns, rings * 20);
    std::vector<double> plain_tps, journal_tps, plain_cpu, journal_cpu, bytes;
    for (std::size_t run = 0; run < plan.runs; ++run) {
      const std::string what = "journal: " + std::to_string(rings) + " ring(s), run " + std::to_string(run + 1) + "/" +
                               std::to_string(plan.runs);
      CaseSpec spec;
      spec.server_bin = plan.server_bin;
      spec.rings = rings;
      spec.turns = c.plain_turns;
      progress(what + ", unjournaled");
      const RunResult plain = run_baton(spec);
      plain_tps.push_back(plain.turns_per_s);
      plain_cpu.push_back(plain.server_cpu_us_per_turn);

      progress(what + ", journaled");
      const TempDir dir(plan.dir_base);
      // A path that does not exist yet: a journal file today, a journal
      // directory once the server takes one; it creates either.
      spec.journal = (dir.path() / "journal").string();
      spec.turns = c.journal_turns;
      const RunResult journaled = run_baton(spec);
      journal_tps.push_back(journaled.turns_per_s);
      journal_cpu.push_back(journaled.server_cpu_us_per_turn);
      const auto members = spec.members * rings;
      const auto turns = std::max<std::size_t>(1, spec.turns / members) * members;
      bytes.push_back(static_cast<double>(tree_bytes(dir.path())) / static_cast<double>(turns));
    }
    c.plain_turns_per_s = spread(plain_tps).median;
    c.journal_turns_per_s = spread(journal_tps).median;
    c.plain_server_cpu_us_per_turn = spread(plain_cpu).median;
    c.journal_server_cpu_us_per_turn = spread(journal_cpu).median;
    c.journal_bytes_per_turn = spread(bytes).median;
    res.cases.push_back(c);
  }
  return res;
}

}  // namespace baton::bench

#include "dump.hpp"

#include <fstream>
#include <iterator>

#include "core/journal_codec.hpp"
#include "server/journal_dir.hpp"
#include "server/journal_recovery.hpp"

namespace baton::tools {

std::size_t dump_journal(const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  std::size_t damage = 0;
  for (const auto& seg : server::list_segments(dir)) {
    std::ifstream in(seg.path, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    const std::string name = seg.path.filename().string();
    if (journal::check_header(bytes) != journal::HeaderCheck::ok) {
      err << name << " 0: bad segment header\n";
      ++damage;
    }
    const journal::Scan scan = journal::scan(bytes);
    auto gap = scan.gaps.begin();
    for (const auto& f : scan.frames) {
      // Damage is reported where it sits among the records.
      for (; gap != scan.gaps.end() && gap->offset < f.offset; ++gap)
        err << name << " " << gap->offset << ": " << gap->length << " damaged bytes\n";
      out << name << " " << f.offset << " " << f.body << "\n";
    }
    for (; gap != scan.gaps.end(); ++gap)
      err << name << " " << gap->offset << ": " << gap->length << " damaged bytes\n";
    damage += scan.gaps.size();
  }
  return damage;
}

bool check_journal(const std::filesystem::path& dir, std::ostream& out) {
  const server::Recovery r = server::recover_journal(dir, server::RecoveryMode::check);
  for (const auto& w : r.warnings) out << w << "\n";
  out << "floor " << r.floor << "\n";
  return !r.damaged;
}

}  // namespace baton::tools

#include "server/journal_recovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "core/journal_codec.hpp"

namespace baton::server {
namespace {

using journal::Body;
using journal::HeaderCheck;
using journal::Scan;

// Something in a segment that only --journal-repair may drop.
struct Problem {
  std::uint64_t offset;
  std::string what;
};

// One segment read and judged; nothing changed yet.
struct Judged {
  std::string bytes;
  HeaderCheck header = HeaderCheck::ok;
  Scan scan;
  std::vector<std::size_t> keep;  // indices into scan.frames of the records that count
  std::vector<Problem> problems;
  std::optional<std::size_t> cut_at;  // a torn tail of the newest segment: cut here
  std::uint64_t floor = 0;
  std::vector<std::pair<std::string, std::uint64_t>> sends;  // ("ring/name", turn) of its send records
};

std::string read_file(const fs::path& p) {
  // One read of the whole file: start-up time is mostly this, for every
  // segment retention keeps (a byte-wise stream iterator was 5x slower).
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + p.string());
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw std::system_error(errno, std::generic_category(), "cannot read " + p.string());
  return bytes;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

Judged judge(const Segment& seg, bool newest) {
  Judged j;
  j.bytes = read_file(seg.path);
  j.header = journal::check_header(j.bytes);
  if (j.header == HeaderCheck::newer_version)
    throw JournalUnusable(fmt::format("{}: unknown journal format version (written by a newer baton?); "
                                      "this baton reads version {}",
                                      seg.path.string(), journal::kFormatVersion));
  if (j.header != HeaderCheck::ok)
    j.problems.push_back({0, j.header == HeaderCheck::too_short ? "segment header cut short at offset 0"
                                                                : "bad segment header at offset 0"});
  j.scan = journal::scan(j.bytes, journal::kHeaderBytes);
  for (std::size_t i = 0; i < j.scan.frames.size(); ++i) {
    const auto& f = j.scan.frames[i];
    const Body b = journal::parse_body(f.body);
    if (b.kind == Body::Kind::overflow) {
      j.problems.push_back({f.offset, fmt::format("record at offset {}: its number could overflow the turn counter "
                                                  "(>= 2^62)", f.offset)});
    } else if (b.kind == Body::Kind::malformed) {
      j.problems.push_back({f.offset, fmt::format("record at offset {}: a valid checksum but an unreadable body",
                                                  f.offset)});
    } else {
      j.keep.push_back(i);
      j.floor = std::max(j.floor, b.number);
      if (b.kind == Body::Kind::send) j.sends.emplace_back(fmt::format("{}/{}", b.ring, b.name), b.number);
    }
  }
  for (const auto& g : j.scan.gaps) {
    const bool tail = g.offset + g.length == j.bytes.size();
    if (tail && newest && j.header == HeaderCheck::ok) {
      j.cut_at = g.offset;
    } else if (tail) {
      j.problems.push_back({g.offset, fmt::format("damaged tail at offset {} ({} bytes) in a segment that is not "
                                                  "the newest of its shard",
                                                  g.offset, g.length)});
    } else {
      j.problems.push_back({g.offset, fmt::format("damaged bytes at offset {} ({} bytes) followed by valid records",
                                                  g.offset, g.length)});
    }
  }
  std::sort(j.problems.begin(), j.problems.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
  return j;
}

// True if the segment's first record is a valid reservation: every number in
// the shard's older segments is at or below it.
bool starts_with_reservation(const Segment& seg) {
  std::ifstream in(seg.path, std::ios::binary);
  std::string head(journal::kHeaderBytes + journal::kFrameBytes + journal::kMaxRecordBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (journal::check_header(head) != HeaderCheck::ok) return false;
  const Scan sc = journal::scan(head, journal::kHeaderBytes);
  return !sc.frames.empty() && sc.frames.front().offset == journal::kHeaderBytes &&
         journal::parse_body(sc.frames.front().body).kind == Body::Kind::reserve;
}

// The segments a start need not read: those older than a segment of the same
// shard that begins with a reservation. A newest segment without one (a crash
// right after creating it) covers nothing, and the next older one is looked at.
std::set<fs::path> covered_by_newer(const std::vector<Segment>& segments) {
  std::map<unsigned, std::vector<const Segment*>> by_shard;
  for (const auto& s : segments) by_shard[s.shard].push_back(&s);
  std::set<fs::path> covered;
  for (auto& [shard, list] : by_shard) {
    std::sort(list.begin(), list.end(), [](const Segment* a, const Segment* b) { return a->seq > b->seq; });
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!starts_with_reservation(*list[i])) continue;
      for (std::size_t k = i + 1; k < list.size(); ++k) covered.insert(list[k]->path);
      break;
    }
  }
  return covered;
}

void check_old_header(const Segment& seg) {
  std::ifstream in(seg.path, std::ios::binary);
  std::string head(journal::kHeaderBytes, '\0');
  if (!in.read(head.data(), static_cast<std::streamsize>(head.size()))) head.resize(static_cast<std::size_t>(in.gcount()));
  const HeaderCheck h = journal::check_header(head);
  if (h == HeaderCheck::newer_version)
    throw JournalUnusable(fmt::format("{}: unknown journal format version (written by a newer baton?); "
                                      "this baton reads version {}",
                                      seg.path.string(), journal::kFormatVersion));
  if (h != HeaderCheck::ok)
    throw JournalDamage(seg.path, 0,
                        fmt::format("journal damaged: {}: bad segment header at offset 0. baton-server does not "
                                    "start; `baton-journal check` lists the damage, and --journal-repair drops it",
                                    seg.path.string()));
}

void cut(const fs::path& p, std::size_t at) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open " + p.string());
  const bool ok = ::ftruncate(fd, static_cast<off_t>(at)) == 0 && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw std::system_error(err, std::generic_category(), "cannot cut " + p.string());
}

// The segment as it should have been: a fresh header and the records that count.
void rewrite(const fs::path& p, const Judged& j) {
  std::string out = journal::encode_header();
  for (std::size_t i : j.keep) {
    const auto& f = j.scan.frames[i];
    out.append(j.bytes, f.offset, f.end() - f.offset);
  }
  const fs::path tmp = p.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("cannot create " + tmp.string());
  const bool ok = ::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), p.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::system_error(ok ? errno : err, std::generic_category(), "cannot rewrite " + p.string());
  }
  sync_dir(p.parent_path());
}

}  // namespace

Recovery recover_journal(const fs::path& dir, RecoveryMode mode) {
  Recovery r;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return r;  // a fresh journal
  const auto segments = list_segments(dir);
  std::map<unsigned, std::uint64_t> newest;  // shard -> highest seq
  for (const auto& s : segments) {
    newest[s.shard] = std::max(newest[s.shard], s.seq);
    r.next_seq = std::max(r.next_seq, s.seq + 1);
  }
  const bool changes = mode != RecoveryMode::check;
  const std::set<fs::path> covered = mode == RecoveryMode::start ? covered_by_newer(segments) : std::set<fs::path>{};
  const std::string header = journal::encode_header();
  for (const auto& s : segments) {
    const bool is_newest = newest[s.shard] == s.seq;
    const std::string name = s.path.string();
    if (is_newest && s.bytes < journal::kHeaderBytes &&
        read_file(s.path) == std::string_view(header).substr(0, s.bytes)) {
      // A crash while the segment was being created: it never held a record.
      r.damaged = true;
      r.warnings.push_back(fmt::format("{}: segment cut short while it was created ({} bytes){}", name, s.bytes,
                                       changes ? "; removed" : ""));
      if (changes && !fs::remove(s.path, ec)) throw std::system_error(ec, "cannot remove " + name);
      continue;
    }
    if (covered.count(s.path) != 0) {
      // Not needed to start: a newer segment of the shard begins with a
      // reservation covering every number in this one (the snapshot), so
      // start-up reads about one segment per shard however much history
      // retention keeps. Its header is still checked (a newer format must not
      // be mistaken); `baton-journal check` and --journal-repair read it all.
      check_old_header(s);
      continue;
    }
    Judged j = judge(s, is_newest);
    r.damaged = r.damaged || !j.problems.empty() || j.cut_at;
    if (!j.problems.empty()) {
      if (mode == RecoveryMode::start) {
        const Problem& first = j.problems.front();
        throw JournalDamage(s.path, first.offset,
                            fmt::format("journal damaged: {}: {}. baton-server does not start, so as not to reuse "
                                        "turn numbers; `baton-journal check {}` lists the damage, and "
                                        "--journal-repair drops the damaged bytes and records and starts",
                                        name, first.what, dir.string()));
      }
      for (const auto& pr : j.problems)
        r.warnings.push_back(fmt::format("{}: {}{}", name, pr.what, changes ? ": dropped (--journal-repair)" : ""));
      if (j.cut_at)
        r.warnings.push_back(fmt::format("{}: damaged tail at offset {} ({} bytes){}", name, *j.cut_at,
                                         j.bytes.size() - *j.cut_at, changes ? ": dropped (--journal-repair)" : ""));
      if (changes) rewrite(s.path, j);
    } else if (j.cut_at) {
      r.warnings.push_back(fmt::format("{}: damaged tail at offset {} ({} bytes: a torn write or appended garbage){}",
                                       name, *j.cut_at, j.bytes.size() - *j.cut_at,
                                       changes ? "; cut back to the last good record" : ""));
      if (changes) cut(s.path, *j.cut_at);
    }
    r.floor = std::max(r.floor, j.floor);
    for (auto& [key, turn] : j.sends) {
      auto& t = r.last_sends[key];
      t = std::max(t, turn);
    }
  }
  return r;
}

}  // namespace baton::server

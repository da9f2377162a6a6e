// The journal directory (--journal DIR): which files are segments, the lock
// that keeps a second server out, creating a segment durably, retention, and
// the errors that stop a start.
//
//   DIR/LOCK                       flock'ed for the life of the server
//   DIR/s<shard>-<seq: 16 hex>.wal one segment; a shard's newest has its highest seq
//
// Thread: free functions on paths; a shard calls them for its own files only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace baton::server {

namespace fs = std::filesystem;

// The journal can't be used as it is: the server must not start (exit 65, EX_DATAERR).
class JournalUnusable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Damage recovery does not repair by itself; `file` and `offset` say where.
class JournalDamage : public JournalUnusable {
 public:
  JournalDamage(fs::path file, std::uint64_t offset, const std::string& what);
  const fs::path& file() const noexcept { return file_; }
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  fs::path file_;
  std::uint64_t offset_;
};

// Another server holds the directory's lock (exit 75, EX_TEMPFAIL).
class JournalLocked : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Segment {
  unsigned shard = 0;
  std::uint64_t seq = 0;
  fs::path path;
  std::uint64_t bytes = 0;
};

std::string segment_name(unsigned shard, std::uint64_t seq);
std::optional<Segment> parse_segment_name(const fs::path& path);
// Every segment in dir, by (seq, shard): oldest first.
std::vector<Segment> list_segments(const fs::path& dir);

// Holds DIR/LOCK (flock LOCK_EX|LOCK_NB) until destroyed. Throws JournalLocked.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir);
  ~DirLock();
  DirLock(DirLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  DirLock& operator=(DirLock&& o) noexcept;

 private:
  int fd_ = -1;
};

// Creates dir (0755) if missing. An existing regular file is the old text
// journal: JournalUnusable, with how to move it aside.
void prepare_dir(const fs::path& dir);
// Makes a directory's entries (a created, renamed or removed file) durable.
bool sync_dir(const fs::path& dir) noexcept;
// Creates a new segment holding the header and `first` (encoded records),
// synced and its directory entry synced. Returns its fd (O_WRONLY|O_APPEND);
// throws std::system_error.
int create_segment(const fs::path& path, const std::string& first);
// Deletes oldest segments while all of them together exceed max_bytes.
// only_shard: delete only that shard's files (at run time); never `keep`.
// Returns the paths deleted.
std::vector<fs::path> enforce_retention(const fs::path& dir, std::uint64_t max_bytes,
                                        std::optional<unsigned> only_shard, const std::vector<fs::path>& keep);

}  // namespace baton::server

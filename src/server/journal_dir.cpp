#include "server/journal_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "core/journal_codec.hpp"

namespace baton::server {
namespace {

constexpr std::size_t kSeqDigits = 16;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

JournalDamage::JournalDamage(fs::path file, std::uint64_t offset, const std::string& what)
    : JournalUnusable(what), file_(std::move(file)), offset_(offset) {}

std::string segment_name(unsigned shard, std::uint64_t seq) { return fmt::format("s{}-{:016x}.wal", shard, seq); }

std::optional<Segment> parse_segment_name(const fs::path& path) {
  const std::string n = path.filename().string();
  const auto dash = n.find('-');
  if (n.size() < 2 || n[0] != 's' || dash == std::string::npos || n.size() != dash + 1 + kSeqDigits + 4 ||
      !n.ends_with(".wal"))
    return std::nullopt;
  if (dash == 1 || dash > 4) return std::nullopt;  // shards are at most 256 (--threads)
  Segment s;
  s.path = path;
  for (std::size_t i = 1; i < dash; ++i) {
    if (n[i] < '0' || n[i] > '9') return std::nullopt;
    s.shard = s.shard * 10 + static_cast<unsigned>(n[i] - '0');
  }
  for (std::size_t i = dash + 1; i < dash + 1 + kSeqDigits; ++i) {
    const char c = n[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    s.seq = (s.seq << 4) | static_cast<std::uint64_t>(d);
  }
  return s;
}

std::vector<Segment> list_segments(const fs::path& dir) {
  std::vector<Segment> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto s = parse_segment_name(e.path());
    if (!s || !e.is_regular_file(ec)) continue;
    s->bytes = e.file_size(ec);
    if (ec) continue;  // removed meanwhile (another shard's retention)
    out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(),
            [](const Segment& a, const Segment& b) { return a.seq != b.seq ? a.seq < b.seq : a.shard < b.shard; });
  return out;
}

DirLock::DirLock(const fs::path& dir) {
  const auto path = dir / "LOCK";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_errno("cannot open " + path.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw JournalLocked(fmt::format("journal directory {} is in use by another baton-server ({} is locked)",
                                      dir.string(), path.string()));
    throw std::system_error(err, std::generic_category(), "cannot lock " + path.string());
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

DirLock& DirLock::operator=(DirLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void prepare_dir(const fs::path& dir) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (fs::is_regular_file(st))
    throw JournalUnusable(fmt::format(
        "--journal {0}: a file in the old text journal format (one line per send); this baton keeps a directory "
        "of checksummed segments. Move it aside (mv {0} {0}.old) and start again with the same --journal: "
        "the new directory is created, and turn numbers start again at 1",
        dir.string()));
  if (fs::exists(st) && !fs::is_directory(st)) throw JournalUnusable("--journal " + dir.string() + ": not a directory");
  if (fs::exists(st)) return;
  // Like mkdir -p, each missing level 0755 and its entry synced in its parent.
  fs::path at;
  for (const auto& part : dir.lexically_normal()) {
    at /= part;
    if (part.empty() || fs::is_directory(at, ec)) continue;
    if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)
      throw_errno("cannot create journal directory " + at.string());
    sync_dir(at.has_parent_path() ? at.parent_path() : fs::path("."));
  }
}

bool sync_dir(const fs::path& dir) noexcept {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

int create_segment(const fs::path& path, const std::string& first) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("cannot create journal segment " + path.string());
  if (!write_all(fd, journal::encode_header() + first) || ::fdatasync(fd) != 0 || !sync_dir(path.parent_path())) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());  // a half-made segment would read as damage at the next start
    throw std::system_error(err, std::generic_category(), "cannot write journal segment " + path.string());
  }
  return fd;
}

std::vector<fs::path> enforce_retention(const fs::path& dir, std::uint64_t max_bytes,
                                        std::optional<unsigned> only_shard, const std::vector<fs::path>& keep) {
  const auto segments = list_segments(dir);
  std::uint64_t total = 0;
  for (const auto& s : segments) total += s.bytes;
  std::vector<fs::path> deleted;
  for (const auto& s : segments) {
    if (total <= max_bytes) break;
    if (only_shard && s.shard != *only_shard) continue;
    if (std::find(keep.begin(), keep.end(), s.path) != keep.end()) continue;
    std::error_code ec;
    if (!fs::remove(s.path, ec)) continue;
    total -= s.bytes;
    deleted.push_back(s.path);
  }
  if (!deleted.empty()) sync_dir(dir);
  return deleted;
}

}  // namespace baton::server

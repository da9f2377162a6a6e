#include "server/journal.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/journal_codec.hpp"
#include "server/log.hpp"

namespace baton::server {
namespace {

std::string framed(const std::string& body) {
  std::string out;
  journal::append_record(out, body);
  return out;
}

}  // namespace

ShardJournal::ShardJournal(fs::path dir, unsigned shard, std::uint64_t seq, std::uint64_t reservation,
                           JournalLimits limits)
    : dir_(std::move(dir)), shard_(shard), seq_(seq), limits_(limits), reservation_(reservation) {
  // The first record carries the reservation so that every older segment can
  // go without losing the floor recovery needs.
  const std::string first = framed(journal::reserve_body(reservation_));
  path_ = dir_ / segment_name(shard_, seq_);
  fd_ = create_segment(path_, first);
  size_ = fresh_size_ = journal::kHeaderBytes + first.size();
  rotate_at_ = limits_.segment_bytes;
}

ShardJournal::~ShardJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void ShardJournal::stage_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                              std::string_view payload) {
  const std::string body = journal::send_body(ring, turn, name, payload);
  if (body.size() > journal::kMaxRecordBytes) oversize_ = true;
  else journal::append_record(batch_, body);
  ++staged_;
}

bool ShardJournal::commit() {
  if (staged_ == 0) return true;
  if (!oversize_) maybe_rotate(batch_.size());
  const bool ok = !oversize_ && append(batch_);
  if (oversize_) log_warn(fmt::format("journal: a send longer than a record ({} bytes) is not acknowledged",
                                      journal::kMaxRecordBytes));
  batch_.clear();
  staged_ = 0;
  oversize_ = false;
  return ok;
}

bool ShardJournal::reserve(std::uint64_t upto) {
  if (upto >= kMaxTurn) return false;  // recovery would refuse the record
  const std::string rec = framed(journal::reserve_body(upto));
  maybe_rotate(rec.size());
  if (!append(rec)) return false;
  reservation_ = std::max(reservation_, upto);
  return true;
}

bool ShardJournal::append(const std::string& bytes) {
  if (broken_) return false;
  // One write(2): a crash leaves the batch whole, torn at its end, or absent;
  // a torn end is a damaged tail that recovery cuts.
  const auto started = std::chrono::steady_clock::now();
  const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
  const bool ok = n == static_cast<ssize_t>(bytes.size()) && ::fdatasync(fd_) == 0;
  const int err = n < 0 ? errno : 0;
  stats_.sync.observe(std::chrono::steady_clock::now() - started);
  if (ok) {
    size_ += bytes.size();
    return true;
  }
  stats_.errors.add();
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    broken_ = true;
    log_warn(fmt::format("journal {}: a failed write could not be cut off ({}); no more sends are acknowledged",
                         path_.string(), std::strerror(errno)));
  } else {
    log_warn(fmt::format("journal {}: write failed ({}); nothing of it is kept", path_.string(),
                         err ? std::strerror(err) : "short write or sync failed"));
  }
  return false;
}

// Rotates before a write that would take the active segment past its size,
// so that a segment stays within --journal-segment-bytes (unless one batch is larger).
void ShardJournal::maybe_rotate(std::size_t incoming) {
  if (size_ + incoming <= rotate_at_ || size_ <= fresh_size_) return;
  const std::uint64_t next = seq_ + 1;
  const fs::path path = dir_ / segment_name(shard_, next);
  const std::string first = framed(journal::reserve_body(reservation_));
  int fd = -1;
  try {
    fd = create_segment(path, first);
  } catch (const std::exception& e) {
    // Keep appending to the active segment; try again after another sixteenth.
    rotate_at_ = size_ + incoming + limits_.segment_bytes / 16;
    log_warn(fmt::format("journal: cannot start a new segment ({}); staying in {}", e.what(), path_.string()));
    return;
  }
  ::close(fd_);
  fd_ = fd;
  seq_ = next;
  path_ = path;
  size_ = fresh_size_ = journal::kHeaderBytes + first.size();
  rotate_at_ = limits_.segment_bytes;
  // Room for the new segment to fill up: the total stays within the maximum
  // until the next rotation.
  const std::uint64_t room = limits_.segment_bytes > size_ ? limits_.segment_bytes - size_ : 0;
  const std::uint64_t budget = limits_.max_bytes > room ? limits_.max_bytes - room : 0;
  for (const auto& gone : enforce_retention(dir_, budget, shard_, {path_}))
    log_info(fmt::format("journal: removed {} (over --journal-max-bytes)", gone.string()));
}

}  // namespace baton::server

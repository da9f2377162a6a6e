#include "server/stdout_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace baton::server {

StdoutSink::StdoutSink(int fd, Hooks hooks) : fd_(fd), kind_(Kind::other), hooks_(std::move(hooks)) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    if (S_ISREG(st.st_mode)) kind_ = Kind::regular;
    else if (S_ISSOCK(st.st_mode)) kind_ = Kind::socket;
  }
  pending_.reserve(kMaxPendingBytes);  // once, so appends never reallocate
}

void StdoutSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  // A full buffer may only mean nobody asked the fd lately.
  if (!fits(line.size())) try_drain();
  if (!fits(line.size())) {
    // A message may be a batch of turn lines (log_turn): count its lines.
    const auto lines = static_cast<std::uint64_t>(std::count(line.begin(), line.end(), '\n'));
    dropped_ += lines;
    dropped_total_.add(lines);
    return;
  }
  append(line.data(), line.size());
  if (pending_bytes() >= kHighWaterBytes || !hooks_.more_queued || !hooks_.more_queued()) try_drain();
}

void StdoutSink::flush_() {
  collect_lost_upstream();
  // While the server is idle the periodic flush is the worker's only wake-up.
  // If stdout drains after a stall, follow it while nothing else is queued,
  // so that the backlog leaves at the reader's pace rather than one pipe-full
  // per second; a stdout that takes nothing within one slice is stalled, and
  // we return to the queue.
  const auto until = std::chrono::steady_clock::now() + kFollowBudget;
  while (!try_drain()) {
    if (kind_ == Kind::regular || (hooks_.more_queued && hooks_.more_queued())) return;
    if (std::chrono::steady_clock::now() >= until || !wait_writable(kFollowSlice)) return;
  }
}

bool StdoutSink::drain_for(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  collect_lost_upstream();
  for (;;) {
    if (try_drain()) return true;
    if (kind_ == Kind::regular) return false;  // a file that failed a write will not recover by waiting
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_writable(left)) return false;
  }
}

bool StdoutSink::wait_writable(std::chrono::milliseconds limit) const {
  pollfd p{fd_, POLLOUT, 0};
  int r;
  do r = ::poll(&p, 1, static_cast<int>(limit.count()));
  while (r < 0 && errno == EINTR);
  // POLLERR on a pipe means no reader is left: writing would raise SIGPIPE.
  return r == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLNVAL));
}

void StdoutSink::append(const char* data, std::size_t n) {
  if (head_ > 0 && pending_.size() + n > kMaxPendingBytes) {
    // Reclaim the written prefix only when the end of the buffer is reached,
    // so a partly drained buffer costs one move per kMaxPendingBytes, not per line.
    pending_.erase(0, head_);
    head_ = 0;
  }
  pending_.append(data, n);
}

void StdoutSink::collect_lost_upstream() {
  if (!hooks_.lost_upstream) return;
  const std::uint64_t total = hooks_.lost_upstream();
  // The source may be gone at shutdown and then answer 0: never count down.
  if (total > lost_upstream_seen_) {
    dropped_ += total - lost_upstream_seen_;
    dropped_total_.add(total - lost_upstream_seen_);
    lost_upstream_seen_ = total;
  }
}

bool StdoutSink::try_drain() {
  for (;;) {
    if (pending_bytes() == 0) {
      pending_.clear();
      head_ = 0;
      if (dropped_ == 0) return true;
      // Reported only once everything before it is out, so the report follows the gap it describes.
      const std::string report = hooks_.dropped_line
                                     ? hooks_.dropped_line(dropped_)
                                     : fmt::format("warning: {} log lines dropped: stdout was blocked\n", dropped_);
      pending_.append(report);
      dropped_ = 0;
    }
    if (write_some() != Wrote::some) return false;
  }
}

StdoutSink::Wrote StdoutSink::write_some() {
  const char* data = pending_.data() + head_;
  std::size_t n = pending_bytes();
  ssize_t r = -1;
  switch (kind_) {
    case Kind::regular:
      // Disk writes do not wait for a reader; write it all.
      do r = ::write(fd_, data, n);
      while (r < 0 && errno == EINTR);
      break;
    case Kind::socket:
      do r = ::send(fd_, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      break;
    case Kind::other:
      if (!wait_writable(std::chrono::milliseconds(0))) return Wrote::would_block;
      // The fd's file description is shared with whoever started us, so we
      // do not set O_NONBLOCK on it; a write of at most PIPE_BUF into a pipe
      // with a free page completes at once instead.
      n = std::min<std::size_t>(n, PIPE_BUF);
      do r = ::write(fd_, data, n);
      while (r < 0 && errno == EINTR);
      break;
  }
  if (r > 0) {
    head_ += static_cast<std::size_t>(r);
    return Wrote::some;
  }
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Wrote::would_block;
  return Wrote::failed;
}

}  // namespace baton::server

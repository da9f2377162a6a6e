// The spdlog sink behind the server's log: formatted lines go to a file
// descriptor (stdout in production) and no write ever blocks, so a log reader
// that stops reading costs log lines, not turns. (Only flush() may wait, in
// poll(), and only briefly: see kFollowBudget. That delays the logger's own
// thread, never an executor, whose enqueue does not wait for it.)
//
// Lines collect in a bounded buffer; a line that does not fit is dropped and
// counted. The buffer is written when the logger has nothing else queued (so
// an idle server's line reaches the fd within microseconds, and a line is on
// its way before a kill -9 can lose it), or when it passes a high-water mark
// (so under load writes are batched), and on flush(), which also follows a
// draining stdout for a bounded time (see kFollowBudget). A write happens only
// when the fd can take it without blocking: regular files are written in
// full, sockets with MSG_DONTWAIT, anything else (pipes, ttys) in chunks of
// at most PIPE_BUF bytes each after poll() reports POLLOUT (a pipe that
// reports POLLOUT has a free page, and PIPE_BUF bytes fit in one). Once lines
// were dropped and the buffer has drained completely, the sink adds a line
// saying how many. A failing fd (no reader, EBADF, ENOSPC) is treated like a
// stalled one: nothing blocks, lines are dropped and counted.
//
// Thread contract: no locking (null_mutex). One thread at a time uses the
// sink: the async logger's single worker thread while the thread pool runs,
// then, after that thread is joined, the thread that calls drain_for() at
// shutdown. The hooks run on that same thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include "core/stat_counter.hpp"

namespace baton::server {

class StdoutSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  // Bounds the memory a stalled stdout can hold: about 2,500 turn lines.
  static constexpr std::size_t kMaxPendingBytes = 256 * 1024;
  // Under load, write once this much has collected even if more is queued.
  static constexpr std::size_t kHighWaterBytes = 64 * 1024;
  // flush() keeps writing to a stdout that drains, while nothing is queued,
  // for at most kFollowBudget; one that takes nothing within kFollowSlice is
  // deemed stalled and flush() returns.
  static constexpr std::chrono::milliseconds kFollowBudget{500};
  static constexpr std::chrono::milliseconds kFollowSlice{50};

  struct Hooks {
    // The line reporting n dropped lines, ending in '\n'. Empty: plain text.
    std::function<std::string(std::uint64_t n)> dropped_line{};
    // True while more messages wait for the worker, so a write can wait for
    // them. Empty: write after every line.
    std::function<bool()> more_queued{};
    // Running total of lines lost before they reached the sink (the async
    // queue's overruns); read on flush and at shutdown. Empty: none.
    std::function<std::uint64_t()> lost_upstream{};
  };

  StdoutSink(int fd, Hooks hooks);

  // Writes what is pending, waiting for the fd at most `limit` in total;
  // true if everything (including a dropped-lines report) was written.
  // For shutdown, once the logger's worker thread is gone.
  bool drain_for(std::chrono::milliseconds limit);

  std::size_t pending_bytes() const noexcept { return pending_.size() - head_; }
  // Dropped lines not reported yet.
  std::uint64_t dropped_lines() const noexcept { return dropped_; }
  // Every line dropped so far (any thread: the log worker is its single writer).
  std::uint64_t dropped_total() const noexcept { return dropped_total_.get(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  enum class Kind { regular, socket, other };
  enum class Wrote { some, would_block, failed };

  bool fits(std::size_t n) const noexcept { return pending_bytes() + n <= kMaxPendingBytes; }
  void append(const char* data, std::size_t n);
  void collect_lost_upstream();
  // Writes until the buffer is empty (true) or the fd would block (false).
  bool try_drain();
  // Waits up to `limit` for room in the fd; false if none came or it failed.
  bool wait_writable(std::chrono::milliseconds limit) const;
  Wrote write_some();

  int fd_;
  Kind kind_;
  Hooks hooks_;
  std::string pending_;  // bytes [head_, size()) are not written yet
  std::size_t head_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t lost_upstream_seen_ = 0;
  Counter dropped_total_;
};

}  // namespace baton::server

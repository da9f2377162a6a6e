// The client's heartbeat clock: when the next PING is due and when the server
// counts as dead. Pure (the caller passes the time in), so the rules can be
// tested without sockets or sleeps. Thread: owned by one Client.
//
// The rules (docs/PROTOCOL.md): the server drops a client it has not heard
// from for about two heartbeats, and counts only what the client writes. So
// the client PINGs whenever it has *written* nothing for one heartbeat, however
// much it is reading (a watcher's EVENT stream never stops the PINGs). The
// server answers every PING, so a live server is never silent for long: after
// kDeadAfter heartbeats of reads that brought nothing, it is presumed dead.
//
// Silence is counted only while the client listens (inside a read), not
// between the application's calls: an application back from a long pause
// first PINGs and reads what is waiting (perhaps the server's ERROR line)
// before anyone is presumed dead.
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>

namespace baton::detail {

class Heartbeat {
 public:
  using clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  // Heartbeats of silence after which the server is presumed dead: two PINGs
  // went unanswered, and a third is going out.
  static constexpr int kDeadAfter = 3;

  // Starts the clock (after WELCOME: no PINGs may precede it) with the
  // heartbeat both sides agreed on.
  void start(milliseconds period, clock::time_point now) {
    period_ = std::max(period, milliseconds(1));
    last_write_ = now;
    silent_ = clock::duration::zero();
    running_ = true;
  }
  bool running() const noexcept { return running_; }
  milliseconds period() const noexcept { return period_; }

  void wrote(clock::time_point now) noexcept { last_write_ = now; }
  // A read brought bytes.
  void heard() noexcept { silent_ = clock::duration::zero(); }
  // A read waited this long and brought nothing.
  void heard_nothing(clock::duration waited) noexcept { silent_ += waited; }

  bool ping_due(clock::time_point now) const noexcept { return running_ && now - last_write_ >= period_; }
  bool server_dead() const noexcept { return running_ && silent_ >= kDeadAfter * period_; }

  // How long a read may block from now: until the next PING is due, the
  // server's silence becomes fatal, or `until` (the caller's own deadline),
  // whichever comes first; at least 1 ms so a read never means "forever".
  //
  // Rounded down to a power of two milliseconds: waking early is harmless (the
  // caller just reads again), and the socket's receive timeout then stays the
  // same from one read to the next on a busy connection (e.g. 4096 ms for a
  // 5 s heartbeat), so a read stays one syscall instead of setsockopt + recv.
  milliseconds read_timeout(clock::time_point now, clock::time_point until) const {
    clock::time_point wake = until;
    if (running_) wake = std::min({wake, last_write_ + period_, now + (kDeadAfter * period_ - silent_)});
    if (wake <= now) return milliseconds(1);
    const auto ms = std::chrono::floor<milliseconds>(wake - now).count();
    if (ms < 1) return milliseconds(1);
    return milliseconds(static_cast<milliseconds::rep>(std::bit_floor(static_cast<std::uint64_t>(ms))));
  }

 private:
  milliseconds period_{0};
  clock::time_point last_write_{};
  clock::duration silent_{};
  bool running_ = false;
};

}  // namespace baton::detail

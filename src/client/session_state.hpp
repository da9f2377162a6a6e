// What a Client keeps from one connection to the next (docs/PROTOCOL.md,
// "Resuming a seat"): how to greet the server (HELLO 2, or HELLO 1 after a
// BAD_VERSION), the seat to take back, what the server last said about our
// sends, and a watcher's place in the ring's stream. Pure. Thread: owned by
// one Client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "baton/client.hpp"
#include "core/v1_codec.hpp"

namespace baton::detail {

// A SESSION or RESUMED line, copied out of the read buffer.
struct SeatLine {
  bool resumed = false;
  std::string session;
  std::string secret;
  std::uint64_t grace_ms = 0;   // 0: the seat can't be taken back
  std::uint64_t last_turn = 0;  // 0: no accepted turn known
};

// The HELLO a connection opens with; its views point into the SessionState
// and the ClientOptions it was made from.
struct HelloLine {
  int version = 2;
  bool watcher = false;
  v1::HelloOptions fields;  // HELLO 2; HELLO 1 uses only the token
};

class SessionState {
 public:
  int hello_version() const noexcept { return version_; }
  // The server answered HELLO 2 with BAD_VERSION: it has no sessions, and
  // will not grow them while this client runs (a rollback to an old server
  // is the likely cause; a newer one would have said so at the next start).
  void fall_back_to_hello1() noexcept {
    version_ = 1;
    seat_.reset();
  }

  HelloLine hello(const ClientOptions& opt) const {
    HelloLine h;
    h.version = version_;
    h.watcher = opt.role == Role::watcher;
    h.fields.token = opt.token;
    if (version_ < 2) return h;
    if (h.watcher) {
      // Nothing seen yet: the turn we joined at is unknown, and after=0 would
      // replay (and report a gap in) sends from before we ever came.
      if (last_seen_ > 0) h.fields.after = last_seen_;
      return h;
    }
    if (seat_ && seat_->grace_ms > 0) {
      h.fields.session = seat_->session;
      h.fields.secret = seat_->secret;
    }
    if (opt.mode == TurnOrder::rotation) h.fields.mode = "rotation";
    if (opt.mode == TurnOrder::lock) h.fields.mode = "lock";
    return h;
  }

  // A connection opened with `hello` was welcomed; seat: the SESSION or
  // RESUMED that followed (none for watchers and HELLO 1).
  void welcomed(const HelloLine& hello, const std::optional<SeatLine>& seat) {
    told_ = seat.has_value();
    if (seat) seat_ = *seat;
    resumed_ = seat ? seat->resumed : hello.fields.after.has_value();
  }

  // This connection's SESSION/RESUMED said which turn of ours the server
  // accepted last (false: HELLO 1, which can't tell).
  bool knows_last_turn() const noexcept { return told_; }
  std::uint64_t last_turn() const noexcept { return seat_ ? seat_->last_turn : 0; }
  // Member: the seat was taken back (RESUMED). Watcher: it asked for what it missed.
  bool resumed() const noexcept { return resumed_; }

  // Watchers: a turn at or below the last one returned or kept is not new.
  bool seen(std::uint64_t turn) const noexcept { return turn <= last_seen_; }
  void saw(std::uint64_t turn) noexcept { last_seen_ = turn; }

  // The protocol the first connection found; later ones must speak it too.
  std::optional<Protocol> pinned;

 private:
  int version_ = kProtocolVersionMax;
  std::optional<SeatLine> seat_;
  bool told_ = false;
  bool resumed_ = false;
  std::uint64_t last_seen_ = 0;
};

}  // namespace baton::detail

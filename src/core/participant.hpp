// A member or watcher as the ring policy (core/hub.hpp) sees it: an identity
// and a set of things it can be told. The server's Session implements it over
// a socket; the unit tests and the simulator implement it by recording.
// (asio's chat example: a room over an abstract participant.)
//
// Thread: a participant is used by its shard's thread only. Deliveries only
// queue what is to be written; none of them may call back into the hub.
// fail() may (the peer leaves its ring at once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/close_reason.hpp"
#include "core/ring.hpp"

namespace baton {

enum class Wire { v1, legacy };

// Who a connection is, as its handshake established.
struct Identity {
  Wire wire = Wire::v1;
  bool watcher = false;
  std::string ring = "default";
  std::string name;  // legacy: fixed by its answer to the probe
  std::string peer;  // "address:port", for the log ("" in tests)
  // HELLO 2 (docs/PROTOCOL.md, "Sessions"): 1 for HELLO 1 and legacy peers.
  int version = 1;
  std::string session;  // resume=<session>:<secret>, or "" for a new seat
  std::string secret;
  std::optional<std::uint64_t> after;  // watchers: replay sends after this turn
  std::optional<RingPolicy> mode;        // mode=, if given
  // ack=deferred: the member pipelines (does not wait for ACK), so its ACK
  // may wait for the next line it is sent (see Participant::ready_lazily).
  bool deferred_ack = false;
  bool v2() const noexcept { return wire == Wire::v1 && version >= 2; }
};

class Participant {
 public:
  virtual MemberId id() const = 0;  // the connection's id
  // The seat it sits in: its own id, or that of the seat it resumed (set
  // by the hub, and only by it, through sit_in).
  MemberId seat() const noexcept { return seat_ != 0 ? seat_ : id(); }
  void sit_in(MemberId seat) noexcept { seat_ = seat; }
  virtual const Identity& who() const = 0;
  // The conversation is over (error, BYE, shutdown): nothing more is said to it.
  virtual bool ended() const = 0;

  virtual void deliver_welcome(std::uint64_t heartbeat_ms) = 0;
  virtual void deliver_grant(std::uint64_t turn, std::uint64_t timeout_ms) = 0;
  virtual void deliver_queue(std::uint64_t position) = 0;
  virtual void deliver_revoked(std::uint64_t turn) = 0;
  virtual void deliver_ack(std::uint64_t turn) = 0;
  virtual void deliver_event(std::uint64_t turn, std::string_view name, std::string_view payload) = 0;
  virtual void deliver_notice(std::string_view code, std::string_view text) = 0;
  virtual void deliver_ping(std::string_view token) = 0;
  // HELLO 2 only (others ignore them): its seat's session (resumed: the old
  // seat taken back), a pass relayed to a watcher, and a watcher's gap.
  virtual void deliver_session(std::string_view /*session*/, std::string_view /*secret*/,
                               std::uint64_t /*grace_ms*/, std::uint64_t /*last_turn*/, bool /*resumed*/) {}
  virtual void deliver_passed(std::uint64_t /*turn*/, std::string_view /*name*/) {}
  virtual void deliver_gap(std::uint64_t /*after*/, std::uint64_t /*next*/) {}
  // What was delivered is to be written at the end of this pass. Separate from
  // the deliveries so that the hub chooses who is written first (the next
  // holder, before the sender's ACK and the watchers' EVENTs).
  virtual void ready() = 0;
  // As ready(), for lines nobody waits on (ACK, QUEUE): a pipelining member
  // (ack=deferred) may get them with the next line it is sent, so that it is
  // not woken just to read them. The server bounds the wait (kLazyFlushMax).
  virtual void ready_lazily() { ready(); }
  // Tells the peer why (where its protocol can) and ends the conversation;
  // the peer leaves its ring through Hub::leave before this returns.
  virtual void fail(std::string_view code, std::string_view text, Closed why = Closed::error) = 0;

  // Revoked and not heard from since: its next bytes must call Hub::resume.
  virtual void set_suspended(bool on) = 0;
  // Legacy only: its answer to the probe, committed as its first turn's send.
  virtual std::optional<std::string> take_legacy_first() = 0;
  virtual bool has_legacy_first() const = 0;

 protected:
  ~Participant() = default;

 private:
  MemberId seat_ = 0;
};

}  // namespace baton

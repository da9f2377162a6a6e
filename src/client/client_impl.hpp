// Client::Impl, what the public calls (client.cpp) share: the connection
// (Link), what outlives it (SessionState), the turn held or waiting for its
// ACK, and reconnecting. A call whose connection fails hands the Error to
// recover(), which connects again or throws; commit() then works out what
// became of a line that was waiting for its ACK. Included by client.cpp and
// client_impl.cpp only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "baton/client.hpp"
#include "client/link.hpp"
#include "client/reconnect.hpp"
#include "client/session_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {

struct Client::Impl {
  using clock_type = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;
  static constexpr auto kForever = clock_type::time_point::max();

  // The line commit() writes for the turn held.
  enum class Line { send, pass, release };

  ClientOptions opt;
  detail::Link link{opt};
  detail::SessionState state;
  detail::Backoff backoff;
  bool connected = false;     // connect() succeeded and close() has not run
  std::optional<Error> fatal;  // a verdict of the server's (or a protocol error): every later call throws it

  std::uint64_t turn = 0;  // the grant we hold, 0 if none
  bool granted = false;
  clock_type::time_point granted_at{};  // when the read that brought that grant returned
  milliseconds grant_timeout{0};        // its timeout, 0 = none
  std::optional<Grant> pending_grant;   // arrived during pause() or send(): await_grant returns it
  std::uint64_t lost_turn = 0;          // a grant a reconnect took away: send() says Error{revoked}
  std::uint64_t awaiting_ack = 0;       // the turn whose line commit() waits to hear about
  std::uint64_t connections = 0;        // connections opened so far; a line is written once per connection
  std::deque<Event> pending_events;     // arrived during a watcher's pause(): next_event returns them

  explicit Impl(ClientOptions o);

  void require_open() const;
  // The first connection (with reconnecting: waits for the server). Throws Error.
  void connect();
  // The protocol of the first connection, which every later one keeps.
  bool legacy() const noexcept { return state.pinned == Protocol::legacy; }
  // A call's connection failed with `why`: connects again (dropping the
  // grant held, if any), or rethrows why when that can't help or is off, or
  // throws Error{unavailable} on giving up.
  void recover(const Error& why);

  // The next v1 message a call must look at, or nullopt once `until`
  // passes: QUEUE, NOTICE, REVOKED and GAP are handled (callbacks) here.
  std::optional<v1::Message> next_v1(clock_type::time_point until = kForever);
  Grant take_grant(const v1::Message& m);
  // A holder that was away longer than its turn's timeout looks for its REVOKED first.
  bool grant_revoked_while_away();
  // Watcher: the Event of an EVENT or PASSED line not returned before.
  std::optional<Event> event_of(const v1::Message& m);

  // Writes `what` for the turn held and waits for its ACK, exactly once
  // across reconnects (see "Sessions" in baton/client.hpp); returns the turn.
  std::uint64_t commit(Line what, std::string_view payload = {});
  // pass() and release() (client.cpp).
  std::uint64_t give_up_turn(Line line);

 private:
  enum class Fate { committed, ours, gone };

  // QUEUE, NOTICE, REVOKED, GAP: true if m was one of them (and is done with).
  bool absorb(const v1::Message& m);
  // Connects, trying again as the policy says. why: what ended the last
  // connection (none: connect()); at_once: the first attempt needs no wait.
  void establish(std::optional<Error> why, bool at_once);
  void attempt(milliseconds tcp_timeout);
  // After a reconnect: what became of turn t's line that had no ACK.
  Fate fate_of(std::uint64_t t);
};

}  // namespace baton

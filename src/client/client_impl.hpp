// Client::Impl, the protocol engine behind baton::Client: the handshake
// (with the server's legacy probe), reads that keep the heartbeat going, and
// the translation of a failed connection into the server's last word. Kept
// apart from client.cpp, which holds the public calls; included only there.
#pragma once

#include <cstdio>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>

#include "baton/client.hpp"
#include "client/connection.hpp"
#include "client/handshake.hpp"
#include "client/heartbeat.hpp"
#include "core/legacy_codec.hpp"
#include "core/v1_codec.hpp"

namespace baton {

namespace detail {

using clock_type = std::chrono::steady_clock;
inline constexpr auto kForever = clock_type::time_point::max();

// What a server's ERROR or SHUTDOWN line means to the caller.
inline Error error_for(const v1::Message& m) {
  if (m.verb == v1::Verb::shutdown) return Error(Error::Kind::closed, "", "the server is shutting down");
  return Error(Error::Kind::rejected, std::string(m.code),
               "server error " + std::string(m.code) + ": " + std::string(m.text));
}

inline bool is_last_word(const std::optional<v1::Message>& m) {
  return m && (m->verb == v1::Verb::error || m->verb == v1::Verb::shutdown);
}

}  // namespace detail

struct Client::Impl {
  using milliseconds = std::chrono::milliseconds;
  using clock_type = detail::clock_type;

  ClientOptions opt;
  detail::Connection conn;
  Protocol proto = Protocol::automatic;
  detail::HandshakeReader hs;  // bytes up to WELCOME
  bool welcomed = false;       // v1: hs is done, lines and the heartbeat are in use
  v1::LineReader lines;
  legacy::SignalReader signals;
  detail::Heartbeat hb;
  std::string line;  // the current v1 line; parsed views point into it
  std::string out;   // scratch for encoding
  std::string rx;    // scratch for reading
  std::uint64_t turn = 0;  // the grant we hold, 0 if none
  bool granted = false;
  clock_type::time_point granted_at{};  // when the read that brought that grant returned
  // When the last read that brought bytes returned. A complete line is only
  // ever parsed before the next read, so a GRANT parsed now came with that
  // read: a client stopped between reading and parsing (SIGSTOP while it
  // printed the previous turn) must count the stop against its turn.
  clock_type::time_point last_read_at{};
  std::uint64_t awaiting_ack = 0;  // the turn send() has written and waits to hear about
  milliseconds grant_timeout{0};        // its timeout, 0 = none
  std::optional<Grant> pending_grant;  // arrived during pause() or send(): await_grant returns it
  std::deque<Event> pending_events;    // arrived during a watcher's pause(): next_event returns them
  std::uint64_t pings = 0;             // PING tokens: hb1, hb2, ... (tells them apart in a capture)
  bool server_silent = false;          // the last Error was "presumed dead", not a clean close
  bool server_gone = false;            // it said its last word, failed or went silent: no BYE

  explicit Impl(ClientOptions o) : opt(std::move(o)) {}

  [[noreturn]] static void protocol_error(const std::string& what) {
    throw Error(Error::Kind::protocol, "", what);
  }

  void require_open() const {
    if (!conn.is_open()) throw Error(Error::Kind::usage, "", "not connected");
  }

  // The connection failed (e.g. "Broken pipe" on a write). The server may have
  // said why first: a client that was stopped finds ERROR IDLE_TIMEOUT unread
  // in its buffer, behind a half-closed socket. Report that, not the symptom.
  [[noreturn]] void lost(const Error& e) {
    server_gone = true;
    if (proto == Protocol::legacy) throw e;  // the seed's protocol has no last words
    const std::string rest = conn.drain();
    if (!welcomed) {
      hs.append(rest);
      while (auto l = hs.next()) {
        if (auto m = v1::parse(*l); detail::is_last_word(m)) throw detail::error_for(*m);
      }
    } else {
      lines.append(rest);
      while (auto l = lines.next()) {
        if (auto m = v1::parse(*l); detail::is_last_word(m)) throw detail::error_for(*m);
      }
    }
    throw e;
  }

  void write(std::string_view bytes) {
    try {
      conn.write_all(bytes);
    } catch (const Error& e) {
      lost(e);
    }
    hb.wrote(clock_type::now());
  }

  // One read of at most `timeout` into rx; false if nothing came.
  bool read_for(milliseconds timeout) {
    rx.clear();
    try {
      if (!conn.read_some(rx, timeout)) return false;
      last_read_at = clock_type::now();
      return true;
    } catch (const Error& e) {
      lost(e);
    }
  }

  // One read of the session after WELCOME, lasting at most until the next
  // PING is due or `until`. Sends the PING first when it is due: the server
  // counts only what we write, so a busy stream of EVENTs must not stop them.
  // The server is presumed dead only after reads that brought nothing.
  void read_or_ping(clock_type::time_point until) {
    auto now = clock_type::now();
    if (hb.ping_due(now)) {
      out.clear();
      v1::put_ping(out, "hb" + std::to_string(++pings));
      write(out);
      now = clock_type::now();
    }
    const milliseconds timeout = hb.read_timeout(now, until);
    if (read_for(timeout)) {
      hb.heard();
      lines.append(rx);
      return;
    }
    // Silence is what we listened for, never more: a read that took longer than
    // its timeout was not running the whole time (SIGSTOP, then EINTR on
    // SIGCONT; an overloaded machine), and the server may well have spoken.
    hb.heard_nothing(std::min<clock_type::duration>(clock_type::now() - now, timeout));
    if (hb.server_dead()) {
      server_silent = server_gone = true;
      const auto period = hb.period().count();
      throw Error(Error::Kind::closed, "",
                  "the server sent nothing for " + std::to_string(detail::Heartbeat::kDeadAfter * period) +
                      " ms (" + std::to_string(detail::Heartbeat::kDeadAfter) + " heartbeats of " +
                      std::to_string(period) + " ms, PINGs unanswered): presumed dead");
    }
  }

  // The next v1 message the caller must look at, or nullopt once `until`
  // passes. Handles what every call handles the same way: PING (answered),
  // PONG (heard is all that matters), QUEUE and REVOKED (callbacks), ERROR
  // and SHUTDOWN (thrown). Views are valid until the next call.
  std::optional<v1::Message> next_v1(clock_type::time_point until = detail::kForever) {
    for (;;) {
      if (auto l = lines.next()) {
        line.assign(*l);
        std::string_view why;
        auto m = v1::parse(line, &why);
        if (!m) protocol_error("bad line from server: " + std::string(why));
        switch (m->verb) {
          case v1::Verb::ping:
            out.clear();
            v1::put_pong(out, m->text);
            write(out);
            continue;
          case v1::Verb::pong:
            continue;
          case v1::Verb::error:
          case v1::Verb::shutdown:
            server_gone = true;
            throw detail::error_for(*m);
          case v1::Verb::queue:
            if (opt.on_queue) opt.on_queue(m->number);
            continue;
          case v1::Verb::notice:
            if (opt.on_notice) opt.on_notice(m->code, m->text);
            continue;
          case v1::Verb::revoked:
            if (granted && turn == m->number) {
              granted = false;
              pending_grant.reset();
            }
            if (opt.on_revoked) opt.on_revoked(m->number);
            if (awaiting_ack != 0 && awaiting_ack == m->number) {
              // Our SEND crossed its REVOKED on the wire: the server ignores it.
              awaiting_ack = 0;
              throw Error(Error::Kind::revoked, "",
                          "turn " + std::to_string(m->number) + " was revoked before the send arrived");
            }
            continue;
          default:
            return m;
        }
      }
      if (lines.overflow()) protocol_error("line from server too long");
      if (clock_type::now() >= until) return std::nullopt;
      read_or_ping(until);
    }
  }

  // True if a REVOKED for `turn` is already among the bytes read but not yet
  // parsed: a client that was stopped (SIGSTOP, a long GC pause) wakes up to
  // GRANT, REVOKED and PING in one read, and must not send for that turn (the
  // server would close it for STALE_TURN). No syscall: only what we hold.
  bool revoked_ahead(std::uint64_t granted_turn) const {
    const std::string_view rest = lines.pending();
    if (rest.empty()) return false;
    char needle[32];
    const int n = std::snprintf(needle, sizeof needle, "REVOKED %llu\n", static_cast<unsigned long long>(granted_turn));
    const std::string_view want(needle, static_cast<std::size_t>(n));
    for (std::size_t at = rest.find(want); at != std::string_view::npos; at = rest.find(want, at + 1))
      if (at == 0 || rest[at - 1] == '\n') return true;
    return false;
  }

  Grant take_grant(const v1::Message& m) {
    turn = m.number;
    granted = true;
    granted_at = last_read_at;
    grant_timeout = milliseconds(m.millis);
    return Grant{m.number, grant_timeout};
  }

  // A holder that was away longer than its turn's timeout (stopped, a long
  // pause between await_grant and send) asks the socket first: its REVOKED is
  // probably waiting there, and a SEND for that turn would be STALE_TURN,
  // which closes the connection. Costs nothing on a prompt send.
  bool grant_revoked_while_away() {
    if (revoked_ahead(turn)) return true;  // already read (e.g. during a pause), not yet parsed
    if (grant_timeout.count() == 0 || clock_type::now() - granted_at < grant_timeout) return false;
    lines.append(conn.drain());
    return revoked_ahead(turn);
  }

  // The next handshake line, parsed into `line`; ERROR (e.g. SERVER_FULL,
  // NAME_TAKEN) and SHUTDOWN are thrown.
  v1::Message handshake_line(clock_type::time_point deadline, const char* what) {
    for (;;) {
      if (auto l = hs.next()) {
        line = std::move(*l);
        std::string_view why;
        auto m = v1::parse(line, &why);
        if (!m) protocol_error("bad line from server: " + std::string(why));
        if (detail::is_last_word(m)) {
          server_gone = true;
          throw detail::error_for(*m);
        }
        return *m;
      }
      if (hs.overflow()) protocol_error("line from server too long");
      read_until(deadline, what);
      hs.append(rx);
    }
  }

  // One handshake read, bounded by the handshake's deadline.
  void read_until(clock_type::time_point deadline, const char* what) {
    const auto now = clock_type::now();
    if (now >= deadline)
      throw Error(Error::Kind::unavailable, "",
                  std::string(what) + " within " + std::to_string(opt.connect_timeout.count()) + " ms");
    read_for(std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - now)));
  }

  void handshake() {
    // Our server greets with "BATON 1\n" (or, when full, an ERROR line instead);
    // the seed's server says GO or WAIT at once.
    auto deadline = clock_type::now() + opt.connect_timeout;
    while (hs.empty()) {
      read_until(deadline, "the server said nothing");
      hs.append(rx);
    }
    const char first = hs.front();
    if (first == 'B' || first == 'E') proto = Protocol::v1;
    else if (first == legacy::kGo[0] || first == legacy::kWait[0]) proto = Protocol::legacy;
    else protocol_error("unknown server protocol");
    if (opt.protocol != Protocol::automatic && opt.protocol != proto)
      protocol_error(proto == Protocol::v1 ? "server speaks v1, legacy was required"
                                           : "server speaks legacy, v1 was required");
    if (proto == Protocol::legacy) {
      signals.append(hs.take_rest());
      return;
    }
    const auto greet = handshake_line(deadline, "no greeting");
    if (greet.verb != v1::Verb::greeting) protocol_error("server did not greet");
    if (greet.number != static_cast<std::uint64_t>(kProtocolVersion))
      protocol_error("server speaks protocol version " + std::to_string(greet.number));
    out.clear();
    v1::put_hello(out, opt.role == Role::watcher, opt.ring, opt.name, opt.token);
    write(out);
    // A fresh budget for the answer: on a slow link the HELLO's round trip
    // alone may take a good part of it. No PINGs before WELCOME.
    deadline = clock_type::now() + opt.connect_timeout;
    for (;;) {
      const auto m = handshake_line(deadline, "no WELCOME");
      if (m.verb == v1::Verb::welcome) {
        milliseconds period = opt.heartbeat;
        if (m.millis > 0) period = std::min(period, milliseconds(m.millis));
        start_session(period);
        return;
      }
      if (m.verb != v1::Verb::ping) protocol_error("WELCOME expected");
      out.clear();
      v1::put_pong(out, m.text);
      write(out);
    }
  }

  void start_session(milliseconds period) {
    lines.append(hs.take_rest());
    welcomed = true;
    hb.start(period, clock_type::now());
  }
};

}  // namespace baton

// One connection of a Client, v1 or legacy: connecting (TCP or TLS), the
// handshake (the server's legacy probe; with HELLO 2, the member's SESSION or
// RESUMED line), reads that keep the heartbeat going, and the translation of
// a failed connection into the server's last word. It knows nothing of turns
// or of reconnecting: Client::Impl opens it again after a failure.
// Thread: owned by one Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "baton/client.hpp"
#include "client/connection.hpp"
#include "client/handshake.hpp"
#include "client/heartbeat.hpp"
#include "client/session_state.hpp"
#include "core/legacy_codec.hpp"
#include "core/v1_codec.hpp"

namespace baton::detail {

class Link {
 public:
  using clock_type = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  explicit Link(const ClientOptions& opt) : opt_(opt) {}

  // Connects and completes the handshake. want: the protocol to insist on
  // (automatic: whichever the server speaks). tcp_timeout bounds the TCP
  // connect; each handshake step gets connect_timeout. Throws Error (ERROR
  // and SHUTDOWN in place of the greeting or WELCOME as rejected/closed).
  void open(Protocol want, const HelloLine& hello, milliseconds tcp_timeout);
  bool is_open() const noexcept { return conn_.is_open(); }
  Protocol protocol() const noexcept { return proto_; }
  // The HELLO 2 member's SESSION or RESUMED line; none otherwise.
  const std::optional<SeatLine>& seat() const noexcept { return seat_; }
  bool tls_refused() const noexcept { return conn_.tls_refused(); }
  clock_type::time_point opened_at() const noexcept { return opened_at_; }

  // v1 after WELCOME: the next message for the caller, or nullopt once
  // `until` passes. PINGs are answered and PONGs dropped (but the barrier's:
  // see below); ERROR and SHUTDOWN are thrown. Views are valid until the
  // next call.
  std::optional<v1::Message> next(clock_type::time_point until);
  // Writes whole lines; a failure is thrown as the server's last word if it
  // left one, else as the socket's Error{closed}.
  void write(std::string_view bytes);
  // Sends a PING whose PONG next() returns (is_barrier()): every line the
  // server wrote before it read the PING comes first.
  void barrier();
  bool is_barrier(const v1::Message& m) const { return m.verb == v1::Verb::pong && m.text == barrier_; }

  // True if a REVOKED for `turn` is among the bytes read but not yet parsed:
  // a client that was stopped wakes up to GRANT, REVOKED and PING in one
  // read, and must not send for that turn. No syscall: only what we hold.
  bool revoked_ahead(std::uint64_t turn) const;
  // Takes in, without blocking, whatever the socket holds.
  void read_waiting();
  // When the last read that brought bytes returned. A complete line is only
  // ever parsed before the next read, so a GRANT parsed now came with that
  // read: a client stopped between reading and parsing (SIGSTOP while it
  // printed the previous turn) must count the stop against its turn.
  clock_type::time_point last_read_at() const noexcept { return last_read_at_; }
  // The last failure was a server presumed dead, not a clean close.
  bool server_silent() const noexcept { return server_silent_; }

  // Legacy: blocks until the seed's server says GO.
  void await_go();

  // Leaves cleanly (v1: BYE, then waits briefly for the server's), closes.
  void close_politely();
  // Closes at once, e.g. before connecting again.
  void close() noexcept { conn_.close(); }

 private:
  [[noreturn]] static void protocol_error(const std::string& what);
  // What a server's ERROR or SHUTDOWN line means to the caller.
  static Error last_word(const v1::Message& m);
  [[noreturn]] void lost(const Error& e);
  bool read_for(milliseconds timeout);
  void read_or_ping(clock_type::time_point until);
  void read_until(clock_type::time_point deadline, const char* what);
  v1::Message handshake_line(clock_type::time_point deadline, const char* what);
  void handshake(Protocol want, const HelloLine& hello);

  const ClientOptions& opt_;
  Connection conn_;
  Protocol proto_ = Protocol::automatic;
  HandshakeReader hs_;     // bytes up to WELCOME (and SESSION/RESUMED)
  bool welcomed_ = false;  // v1: hs_ is done; lines_ and the heartbeat are in use
  v1::LineReader lines_;
  legacy::SignalReader signals_;
  Heartbeat hb_;
  std::optional<SeatLine> seat_;
  std::string line_;  // the current v1 line; parsed views point into it
  std::string out_;   // scratch for encoding
  std::string rx_;    // scratch for reading
  std::string barrier_;
  clock_type::time_point last_read_at_{};
  clock_type::time_point opened_at_{};
  std::uint64_t pings_ = 0;     // PING tokens: hb1, hb2, ... (tells them apart in a capture)
  bool server_silent_ = false;
  bool server_gone_ = false;    // it said its last word, failed or went silent: no BYE
};

}  // namespace baton::detail

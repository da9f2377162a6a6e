// baton::Client — the C++ client library under baton-client.
//
// A blocking, single-connection client. One Client is used by one thread at a
// time (it owns a socket and a read buffer and has no internal locking); run one
// Client per thread for several members in one process.
//
//   baton::ClientOptions o;  o.name = "alice";
//   baton::Client c(o);
//   c.connect();                       // handshake; detects v1 or the seed's legacy server
//   for (;;) {
//     baton::Grant g = c.await_grant(); // blocks until this member holds the baton
//     c.send("hello");                  // v1: returns once the server acknowledged it
//   }
//
// Errors are reported as baton::Error (one type; see Error::Kind).
//
// Staying alive (v1). The server drops a client it has not heard from for
// about two heartbeats (ERROR IDLE_TIMEOUT), so the client writes a PING
// whenever it has written nothing for one heartbeat, and answers the server's
// PINGs. But a blocking library can only do that while it runs: the library
// keeps the connection alive only while you are inside one of its calls
// (await_grant, send, next_event, pause). An application that does other work
// for longer than ~one heartbeat between calls should call pause() instead of
// sleeping. One that stayed away too long finds out in its next call as
// Error{rejected, "IDLE_TIMEOUT"}: when the connection fails, the server's last
// ERROR line, if it sent one, is reported rather than the socket's symptom.
// Conversely, a server that sends nothing at all for 3 heartbeats spent inside
// calls (it answers every PING, so it is not merely quiet) is presumed dead:
// Error{closed}.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace baton {

enum class Role { member, watcher };

// automatic: wait for the server's first bytes: "BATON 1\n" means v1, "GO"/"WAIT"
// means the seed's server (legacy). See docs/PROTOCOL.md.
enum class Protocol { automatic, v1, legacy };

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5001;
  std::string name = "client";  // [A-Za-z0-9._-]{1,64}
  std::string ring = "default"; // same charset as name; ignored by a legacy server
  Role role = Role::member;
  Protocol protocol = Protocol::automatic;
  // The secret of an --auth-file grant, sent in HELLO ("" = none): at most 256
  // printable ASCII characters, no spaces (else connect() throws Error{usage}).
  // Keep it out of argv (baton-client reads it from --token-file or BATON_TOKEN).
  std::string token;
  // TLS, for a server's --tls-port: the server's certificate is verified
  // against tls_ca (a PEM file; empty: the system's trust store) and must name
  // tls_server_name (empty: host; an IP address is matched against the
  // certificate's IP entries). tls_cert/tls_key (PEM, no passphrase) are this
  // client's own certificate, for servers that require one (--tls-client-ca).
  // TLS 1.2 or later; only v1 runs over it (automatic means v1, legacy is
  // Error{usage}). connect() throws Error{usage} if the CA, certificate or key
  // can't be loaded or don't match, and Error{unavailable} if the handshake or
  // the verification fails (the message says why, e.g. "certificate verify
  // failed: hostname mismatch").
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  // Bounds each step of connect() on its own: the TCP connect, the TLS
  // handshake (with tls), the wait for the server's greeting, and the wait for
  // WELCOME after HELLO.
  std::chrono::milliseconds connect_timeout{5000};
  // The client PINGs when it has written nothing for this long (or for the
  // server's heartbeat from WELCOME, if shorter), however much it reads.
  std::chrono::milliseconds heartbeat{5000};
  // Called (on the calling thread, from inside await_grant/send/next_event/
  // pause) when the server pushes a new queue position (1 = next) or revokes
  // a turn.
  std::function<void(std::uint64_t position)> on_queue;
  std::function<void(std::uint64_t turn)> on_revoked;
  // NOTICE lines: news about the ring that may pass by itself (e.g.
  // JOURNAL_STALLED: the server can't write its journal; nothing is lost,
  // turns resume when it can). Never fatal; unknown codes can be ignored.
  std::function<void(std::string_view code, std::string_view text)> on_notice;
};

struct Grant {
  std::uint64_t turn = 0;                    // fencing token; 0 from a legacy server
  std::chrono::milliseconds timeout{0};      // 0 = the server sets no turn timeout
};

// One accepted send, as relayed to watchers, in turn order.
struct Event {
  std::uint64_t turn = 0;
  std::string name;
  std::string payload;
};

class Error : public std::runtime_error {
 public:
  enum class Kind {
    unavailable,  // could not connect / connection lost before the handshake
    rejected,     // the server sent ERROR <code> (code() holds it) and closed
    protocol,     // the server sent bytes this client cannot parse
    closed,       // the server closed or shut down
    usage,        // the call does not fit the state (e.g. send without a grant)
    revoked,      // send(): the turn was revoked before the send left (the caller was away
                  // longer than the turn's timeout); nothing was sent, await the next grant
  };
  Error(Kind kind, std::string code, const std::string& what)
      : std::runtime_error(what), kind_(kind), code_(std::move(code)) {}
  Kind kind() const noexcept { return kind_; }
  const std::string& code() const noexcept { return code_; }  // server error code, or ""

 private:
  Kind kind_;
  std::string code_;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects and completes the handshake. Throws Error.
  void connect();
  Protocol protocol() const;  // v1 or legacy once connected

  // Member: blocks until granted; returns at once, without reading, a grant
  // that arrived during pause() (or while send() waited for its ACK). Throws
  // Error{closed} when the server shuts down.
  Grant await_grant();
  // Member: sends payload in the current turn. v1: blocks until ACK and returns
  // the turn; legacy: returns 0 once written. Throws Error.
  std::uint64_t send(std::string_view payload);

  // Watcher: the next accepted send of the ring; nullopt once the server
  // closes or shuts down. Throws Error{closed} if the server went silent.
  std::optional<Event> next_event();

  // Stays in the protocol for d instead of sleeping: answers PINGs, sends
  // heartbeats, calls on_queue/on_revoked. A GRANT that arrives meanwhile is
  // kept for the next await_grant() (and a watcher's EVENTs for next_event()).
  // Errors as in the other calls. Legacy protocol: just sleeps.
  void pause(std::chrono::milliseconds d);

  // Leaves cleanly (v1: BYE, waits for the server's BYE) and closes. Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton

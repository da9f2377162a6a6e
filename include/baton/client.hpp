// baton::Client — the C++ client library under baton-client.
//
// A blocking client. One Client is used by one thread at a time (it owns a
// socket and a read buffer and has no internal locking); run one Client per
// thread for several members in one process. Every callback below runs on
// the calling thread, from inside the call that read the line concerned.
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
// (await_grant, acquire, send, pass, release, next_event, pause). An
// application that does other work for longer than ~one heartbeat between
// calls should call pause() instead of sleeping. A server that sends nothing
// at all for 3 heartbeats spent inside calls (it answers every PING, so it is
// not merely quiet) is presumed dead. When the connection fails, the server's
// last ERROR line, if it sent one, counts rather than the socket's symptom.
//
// Reconnecting (ClientOptions::reconnect, on by default). A connection that
// is lost (end of stream, reset, a failed write), a server presumed dead, a
// SHUTDOWN (a restart, a rolling update) and ERROR IDLE_TIMEOUT, SERVER_FULL,
// QUOTA, NAME_TAKEN or HELLO_TIMEOUT do not end the client: inside whichever
// call noticed it, the library connects again, with exponential back-off and
// full jitter, and carries on; connect() likewise waits for a server that is
// not up yet. It gives up after ReconnectPolicy::give_up_after without a
// connection: Error{unavailable}. Every other ERROR code (AUTH_FAILED,
// FORBIDDEN, KICKED, SESSION_REPLACED, RING_DRAINING, WRONG_MODE, BAD_FRAME,
// STALE_TURN, NOT_YOUR_TURN, NOT_A_MEMBER, LINE_TOO_LONG, ...), a TLS
// handshake the server's certificate or the server itself refused, protocol
// and usage errors are thrown at once, as with reconnecting off; after such
// an ERROR or protocol error every later call throws it again.
//
// Sessions (servers that speak HELLO 2; docs/PROTOCOL.md "Sessions, pass and
// lock rings"). A member keeps the session the server gave it and takes its
// seat back on reconnecting (same place in the queue, its turn if it still
// holds one). send(), pass() and release() are exactly-once across a lost
// connection: if the ACK was lost, the server's answer to the resume says
// whether the line was accepted (the call returns its turn), or that the turn
// is still ours (the library writes the line again, once, on the new
// connection), or that the turn is gone (Error{revoked}: nothing was
// committed; await the next grant and send again). A grant held when the
// connection dropped survives only if the resumed seat still holds it;
// otherwise send() reports Error{revoked}. A server that answers HELLO 2 with
// ERROR BAD_VERSION is spoken to with HELLO 1 from then on (no sessions, no
// pass, no lock rings): a send whose ACK was lost with the connection is then
// Error{in_doubt}; with the seed's legacy server, whose sends have no ACK, a
// send whose write failed is Error{revoked}. A watcher reconnects asking for
// the sends after the last turn it returned (or holds for next_event()),
// never returns a turn twice, and hears of sends the server no longer held
// through on_gap; one that has seen no turn yet asks for none (sends made
// while it was away are missed, as with HELLO 1).
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

// The ring's mode, i.e. how it orders turns (HELLO 2 mode=; members only).
// rotation: every member in turn; lock: on request (acquire()), first come
// first served. automatic names none: the member takes the ring as it is (a
// new ring rotates). Naming the other mode of an existing ring is ERROR
// WRONG_MODE.
enum class TurnOrder { automatic, rotation, lock };

// When and how often to connect again (see "Reconnecting" above). After a
// connection that had lasted a second or more, the first attempt follows at
// once; every other attempt waits first, the n-th wait since then (from 0)
// a random time in [0, min(max_delay, initial_delay * 2^n)] (full jitter:
// clients cut off together do not all come back together). Each attempt
// takes up to connect_timeout per step, so giving up may come that much
// after give_up_after.
struct ReconnectPolicy {
  bool enabled = true;
  std::chrono::milliseconds initial_delay{100};
  std::chrono::milliseconds max_delay{5000};
  // Without a connection for this long, the call gives up with
  // Error{unavailable}; 0 = never.
  std::chrono::milliseconds give_up_after{std::chrono::minutes(2)};
};

class Error;

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5001;
  std::string name = "client";  // [A-Za-z0-9._-]{1,64}
  std::string ring = "default"; // same charset as name; ignored by a legacy server
  Role role = Role::member;
  Protocol protocol = Protocol::automatic;
  TurnOrder mode = TurnOrder::automatic;  // lock needs a server that speaks HELLO 2
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
  // failed: hostname mismatch"; a refusal is never retried).
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  // Bounds each step of connecting on its own: the TCP connect, the TLS
  // handshake (with tls), the wait for the server's greeting, and the wait for
  // WELCOME after HELLO.
  std::chrono::milliseconds connect_timeout{5000};
  // The client PINGs when it has written nothing for this long (or for the
  // server's heartbeat from WELCOME, if shorter), however much it reads.
  std::chrono::milliseconds heartbeat{5000};
  ReconnectPolicy reconnect;
  // Called when the server pushes a new queue position (1 = next) or revokes
  // a turn.
  std::function<void(std::uint64_t position)> on_queue;
  std::function<void(std::uint64_t turn)> on_revoked;
  // NOTICE lines: news about the ring that may pass by itself (e.g.
  // JOURNAL_STALLED: the server can't write its journal; nothing is lost,
  // turns resume when it can). Never fatal; unknown codes can be ignored.
  std::function<void(std::string_view code, std::string_view text)> on_notice;
  // Reconnecting (for logs): on_disconnect(why) when a connection failed, or
  // connect() could not make the first one, and the library is about to try
  // again (once per outage: failed attempts after it are not reported);
  // on_reconnect(resumed) once a lost connection is back. resumed: a member
  // took its seat back (false: it joined afresh, at the back of the queue, or
  // the server keeps no sessions); a watcher was sent what it missed (false:
  // sends made while it was away are not known).
  std::function<void(const Error& why)> on_disconnect;
  std::function<void(bool resumed)> on_reconnect;
  // Watchers, after reconnecting: the sends after turn `after` and before
  // turn `next` are no longer held by the server and are lost to this watcher.
  std::function<void(std::uint64_t after, std::uint64_t next)> on_gap;
};

struct Grant {
  std::uint64_t turn = 0;                    // fencing token; 0 from a legacy server
  std::chrono::milliseconds timeout{0};      // 0 = the server sets no turn timeout
};

// One turn of the ring, as relayed to watchers, in turn order: an accepted
// send, or (passed) a holder that gave its turn up (pass/release) with no
// payload (HELLO 2 servers only).
struct Event {
  std::uint64_t turn = 0;
  std::string name;
  std::string payload;
  bool passed = false;
};

class Error : public std::runtime_error {
 public:
  enum class Kind {
    unavailable,  // could not connect (with reconnecting: not within give_up_after)
    rejected,     // the server sent ERROR <code> (code() holds it) and closed
    protocol,     // the server sent bytes this client cannot parse
    closed,       // the server closed or shut down (reconnecting off)
    usage,        // the call does not fit the state (e.g. send without a grant)
    revoked,      // send/pass/release: the turn was gone before the line counted (it was
                  // revoked, or lost with the connection); nothing was committed, await the
                  // next grant
    in_doubt,     // send/pass/release: the connection was lost before the ACK and the server
                  // keeps no sessions (HELLO 1): it may or may not have been committed
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

  // Connects and completes the handshake (with reconnecting: waits, within
  // give_up_after, for a server that is not up yet or turns us away for now).
  // Does nothing once connected. Throws Error; Error{usage} for options the
  // library can't use.
  void connect();
  Protocol protocol() const;  // v1 or legacy once connected

  // Member: blocks until granted; returns at once, without reading, a grant
  // that arrived during pause() (or while send() waited for its ACK). In a
  // lock ring use acquire(). Throws Error (with reconnecting off:
  // Error{closed} when the server shuts down).
  Grant await_grant();
  // Member of a lock ring: asks for the baton (ACQUIRE) and blocks until
  // granted; returns the grant already held or kept, if any, without asking.
  // Asks again after a reconnect (a waiter's place is not kept). Error{usage}
  // from a server without HELLO 2; ERROR WRONG_MODE (rejected) in a rotation ring.
  Grant acquire();
  // Member: sends payload in the current turn. v1: blocks until ACK and returns
  // the turn; legacy: returns 0 once written. Error{revoked}: the turn was gone
  // first (nothing was committed); Error{in_doubt}: see "Sessions" above.
  std::uint64_t send(std::string_view payload);
  // Member: gives the current turn up without sending (PASS); blocks until
  // ACK and returns the turn. Exactly-once and errors as send(); Error{usage}
  // on a legacy server or one without HELLO 2.
  std::uint64_t pass();
  // The same as pass(), as RELEASE: ends the hold of a lock.
  std::uint64_t release();

  // Watcher: the ring's next turn (see Event); nullopt once the server closes
  // or shuts down with reconnecting off. Throws Error{closed} if the server
  // went silent (reconnecting off).
  std::optional<Event> next_event();

  // Stays in the protocol for d instead of sleeping: answers PINGs, sends
  // heartbeats, calls the callbacks, reconnects. A GRANT that arrives
  // meanwhile is kept for the next await_grant() (and a watcher's events for
  // next_event()). Errors as in the other calls. Legacy protocol: just sleeps.
  void pause(std::chrono::milliseconds d);

  // Leaves cleanly (v1: BYE, waits for the server's BYE) and closes; the seat
  // is given up, not kept for a resume. Idempotent; never reconnects.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton

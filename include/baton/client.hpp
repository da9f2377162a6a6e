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
  std::chrono::milliseconds connect_timeout{5000};
  // While idle the client sends PING this often so the server knows it is alive.
  std::chrono::milliseconds heartbeat{5000};
  // Called (on the calling thread, from inside await_grant/next_event) when the
  // server pushes a new queue position (1 = next) or revokes a turn.
  std::function<void(std::uint64_t position)> on_queue;
  std::function<void(std::uint64_t turn)> on_revoked;
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

  // Member: blocks until granted. Throws Error{closed} when the server shuts down.
  Grant await_grant();
  // Member: sends payload in the current turn. v1: blocks until ACK and returns
  // the turn; legacy: returns 0 once written. Throws Error.
  std::uint64_t send(std::string_view payload);

  // Watcher: the next accepted send of the ring; nullopt once the server closes.
  std::optional<Event> next_event();

  // Leaves cleanly (v1: BYE, waits for the server's BYE) and closes. Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton

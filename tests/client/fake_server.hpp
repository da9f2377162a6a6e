// A scripted stand-in for baton-server, for testing the client library's side
// of the protocol byte by byte: it listens on 127.0.0.1:<ephemeral>, accepts
// connections one after the other on its own thread and runs a script
// against each (send bytes, expect a line, sleep, close abruptly...), then
// stops listening (connecting is refused). The real server cannot be made to
// split its greeting, go silent, or die at a chosen moment; this can.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "baton/client.hpp"
#include "line_peer.hpp"

namespace baton::test {

using namespace std::chrono_literals;

// Waits for fd to become readable in short slices so that a stopping server is
// noticed quickly. True if readable before the deadline. What has already
// arrived (e.g. the client's close) is seen even when stopping.
bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stopping);

// The server's end of the one connection. Every wait is bounded (the default
// is a watchdog, not a expectation) and ends early when the FakeServer stops.
class Peer final : public LinePeer {
 public:
  Peer(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void send(std::string_view bytes) override;
  // Closes at once with a TCP reset (SO_LINGER 0): the client's next write fails.
  void reset();
  // True if the client closes its end within timeout (bytes it sends meanwhile are discarded).
  bool closed_within(std::chrono::milliseconds timeout = 5s);
  bool stopping() const { return stopping_.load(); }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) override;

  int fd_;
  const std::atomic<bool>& stopping_;
};

struct FakeServerOptions {
  // The port is bound at once but listened on only after this: until then
  // connecting is refused, as with a server that is not up yet.
  std::chrono::milliseconds listen_after{0};
};

class FakeServer {
 public:
  using Script = std::function<void(Peer&)>;
  explicit FakeServer(Script script);
  // scripts[i] plays the i-th connection.
  explicit FakeServer(std::vector<Script> scripts, FakeServerOptions options = {});
  // Stops the script's waits, closes the connection and joins the thread.
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Options for a client of this server; short connect timeout for tests.
  // Reconnecting is off: a test of one connection expects its failure.
  ClientOptions client(const std::string& name = "a", Role role = Role::member) const;
  // The same, reconnecting, with short back-off (10 ms doubling to at most
  // 50 ms) and a watchdog of a limit (5 s without a connection).
  ClientOptions reconnecting_client(const std::string& name = "a", Role role = Role::member) const;
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }
  // Blocks until the script has returned (watchdog: false if it has not within timeout).
  bool script_done(std::chrono::milliseconds timeout = 10s);

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace baton::test

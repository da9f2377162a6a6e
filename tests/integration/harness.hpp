// Test fixtures for integration tests over real sockets on ephemeral ports:
// an in-process server on its own thread, a raw line-oriented peer for
// speaking (and mis-speaking) the protocol byte by byte, and child processes.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "baton/client.hpp"
#include "server/server.hpp"

namespace baton::test {

using namespace std::chrono_literals;

// A server on 127.0.0.1:<ephemeral>, run on a background thread, stopped
// (drained) by the destructor.
class TestServer {
 public:
  explicit TestServer(server::ServerConfig config = defaults());
  ~TestServer();
  std::uint16_t port() const { return server_->port(); }
  server::Server& server() { return *server_; }
  ClientOptions client(const std::string& name, const std::string& ring = "default") const;

  static server::ServerConfig defaults();  // port 0, admin off, 2 threads, short timeouts

 private:
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

// A blocking TCP peer with deadlines, speaking raw bytes.
class RawPeer {
 public:
  explicit RawPeer(std::uint16_t port);
  ~RawPeer();
  void send(std::string_view bytes);
  // The next '\n'-terminated line (without it); nullopt on EOF or timeout.
  std::optional<std::string> line(std::chrono::milliseconds timeout = 3s);
  // Reads until a line starting with prefix arrives; nullopt on EOF/timeout.
  std::optional<std::string> line_starting(std::string_view prefix, std::chrono::milliseconds timeout = 3s);
  // Raw bytes: whatever arrives within timeout (at least one read).
  std::string bytes(std::chrono::milliseconds timeout = 3s);
  // True if the server closes the connection within timeout (input discarded).
  bool closed_within(std::chrono::milliseconds timeout = 3s);
  // Greeting + HELLO + WELCOME as a member or watcher.
  void hello(const std::string& name, const std::string& ring = "default", bool watcher = false);
  void set_rcvbuf(int bytes);

 private:
  int fd_ = -1;
  std::string buf_;
};

// Runs a command; returns its exit status (or -1 if killed by a signal).
struct ProcessResult {
  int exit_code = -1;
  std::string out;
};
ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                          std::chrono::milliseconds timeout = 20s);

// A free TCP port on 127.0.0.1 (bound and released).
std::uint16_t free_port();

}  // namespace baton::test

// What the fake servers' two peers (plain: Peer, TLS: TlsPeer) share: reading
// lines with deadlines over whatever fill() reads, and the server's side of
// the handshake. Used by one script thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::test {

class LinePeer {
 public:
  using clock_type = std::chrono::steady_clock;

  virtual void send(std::string_view bytes) = 0;
  // The next '\n'-terminated line (without it); nullopt on EOF, timeout or stop.
  std::optional<std::string> line(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads lines until one starts with prefix, answering the client's PINGs
  // (unless prefix is "PING") as the real server does; returns it or nullopt.
  std::optional<std::string> expect(std::string_view prefix,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // "BATON 1\n", the client's HELLO (returned), "WELCOME <ring> <name> <heartbeat_ms>\n".
  std::optional<std::string> handshake(std::uint64_t heartbeat_ms = 10000);
  // Waits for the client's BYE (answering PINGs) and answers it, as close() expects.
  void bye();

 protected:
  ~LinePeer() = default;
  // One read into buf_, waiting at most until the deadline; false on timeout/EOF/stop.
  virtual bool fill(clock_type::time_point deadline) = 0;

  std::string buf_;
};

}  // namespace baton::test

// What the fake servers' two peers (plain: Peer, TLS: TlsPeer) share: reading
// lines with deadlines over whatever fill() reads, and the server's side of
// the handshake. Used by one script thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::test {

// The seat every fake server hands out unless a script says otherwise.
inline constexpr std::string_view kSession = "0123456789abcdef";
inline constexpr std::string_view kSecret = "00112233445566778899aabbccddeeff";
// "SESSION|RESUMED <kSession> <kSecret> <grace_ms> <last_turn>\n"
std::string seat_line(std::string_view verb, std::uint64_t last_turn, std::uint64_t grace_ms = 5000);

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
  // "BATON 1\n", the client's HELLO (returned), "WELCOME <ring> <name> <heartbeat_ms>\n",
  // and to a HELLO 2 member in the same write `seat` (default: a new SESSION
  // of kSession, last_turn 0).
  std::optional<std::string> handshake(std::uint64_t heartbeat_ms = 10000, const std::string& seat = "");
  // Waits for the client's BYE (answering PINGs) and answers it, as close() expects.
  void bye();
  // Every line until one that starts with prefix (included; the PINGs
  // answered on the way are not); stops early at EOF or timeout.
  std::vector<std::string> lines_until(std::string_view prefix,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

 protected:
  ~LinePeer() = default;
  // One read into buf_, waiting at most until the deadline; false on timeout/EOF/stop.
  virtual bool fill(clock_type::time_point deadline) = 0;

  std::string buf_;
};

}  // namespace baton::test

#include "line_peer.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace baton::test {

std::optional<std::string> LinePeer::line(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string l = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return l;
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<std::string> LinePeer::expect(std::string_view prefix, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    auto l = line(std::max(left, std::chrono::milliseconds(0)));
    if (!l) return std::nullopt;
    if (l->rfind(prefix, 0) == 0) return l;
    if (l->rfind("PING ", 0) == 0) send("PONG " + l->substr(5) + "\n");
  }
}

std::string seat_line(std::string_view verb, std::uint64_t last_turn, std::uint64_t grace_ms) {
  return std::string(verb) + " " + std::string(kSession) + " " + std::string(kSecret) + " " +
         std::to_string(grace_ms) + " " + std::to_string(last_turn) + "\n";
}

std::optional<std::string> LinePeer::handshake(std::uint64_t heartbeat_ms, const std::string& seat) {
  send("BATON 1\n");
  auto hello = line();
  if (!hello) return std::nullopt;
  // HELLO <version> member|watcher <ring> <name> [<token> | <key>=<value> ...]
  std::istringstream fields(*hello);
  std::vector<std::string> f;
  for (std::string w; fields >> w;) f.push_back(w);
  if (f.size() < 5) throw std::runtime_error("fake server: bad HELLO: " + *hello);
  std::string welcome = "WELCOME " + f[3] + " " + f[4] + " " + std::to_string(heartbeat_ms) + "\n";
  if (f[1] == "2" && f[2] == "member") welcome += seat.empty() ? seat_line("SESSION", 0) : seat;
  send(welcome);
  return hello;
}

std::vector<std::string> LinePeer::lines_until(std::string_view prefix, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  std::vector<std::string> got;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    auto l = line(std::max(left, std::chrono::milliseconds(0)));
    if (!l) return got;
    if (l->rfind("PING ", 0) == 0 && prefix != "PING") {
      send("PONG " + l->substr(5) + "\n");
      continue;
    }
    got.push_back(*l);
    if (l->rfind(prefix, 0) == 0) return got;
  }
}

void LinePeer::bye() {
  if (expect("BYE")) send("BYE\n");
}

}  // namespace baton::test

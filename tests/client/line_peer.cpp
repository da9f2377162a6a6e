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

std::optional<std::string> LinePeer::handshake(std::uint64_t heartbeat_ms) {
  send("BATON 1\n");
  auto hello = line();
  if (!hello) return std::nullopt;
  // HELLO 1 member|watcher <ring> <name> [<token>]
  std::istringstream fields(*hello);
  std::vector<std::string> f;
  for (std::string w; fields >> w;) f.push_back(w);
  if (f.size() < 5) throw std::runtime_error("fake server: bad HELLO: " + *hello);
  send("WELCOME " + f[3] + " " + f[4] + " " + std::to_string(heartbeat_ms) + "\n");
  return hello;
}

void LinePeer::bye() {
  if (expect("BYE")) send("BYE\n");
}

}  // namespace baton::test

// Idle connections for the memory and scrape cases: raw sockets that send one
// HELLO and then neither read nor write, so that what the server holds for
// them, and not a client's activity, is what those cases measure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace baton::bench {

class IdleConnections {
 public:
  // hello(i): connection i's HELLO line. Connects one after another (a storm
  // of simultaneous connects would measure the accept queue); throws if one
  // can't connect, having closed the others.
  IdleConnections(std::uint16_t port, std::size_t n, const std::function<std::string(std::size_t)>& hello);
  ~IdleConnections() { close_all(); }
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;
  std::size_t size() const { return fds_.size(); }
  void close_all();

 private:
  std::vector<int> fds_;
};

}  // namespace baton::bench

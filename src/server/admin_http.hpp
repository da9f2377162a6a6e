// The admin HTTP port for probes: GET /livez (the process is alive) and
// GET /readyz (listening and not draining; 503 while draining after SIGTERM).
// Served by Boost.Beast on shard 0's io_context: no thread of its own.
// Thread: construct, start() and stop() on that io_context's thread (or
// before it runs); ready() is called there too.
#pragma once

#include <cstdint>
#include <functional>

#include "server/asio.hpp"

namespace baton::server {

class AdminHttp {
 public:
  // Binds at once (throws boost::system::system_error); ep's port may be 0.
  AdminHttp(asio::io_context& ctx, const tcp::endpoint& ep, std::function<bool()> ready);
  std::uint16_t port() const { return port_; }
  void start();
  // Used by tests only: the server keeps this port open through its drain on
  // purpose, so that /readyz can answer 503 until the process exits.
  void stop();

 private:
  asio::awaitable<void> serve(tcp::socket sock);

  asio::io_context& ctx_;
  tcp::acceptor acceptor_;
  std::function<bool()> ready_;
  std::uint16_t port_ = 0;
};

}  // namespace baton::server

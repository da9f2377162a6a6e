// Accepts connections, enforces --max-clients, and runs each connection's
// handshake: our greeting, then the peer's HELLO (v1) or its silence (the
// seed's client, legacy). A finished handshake is handed to the shard that
// owns the ring it named.
// Thread: runs on shard 0's io_context only; stop() too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/shard.hpp"

namespace baton::server {

class Listener {
 public:
  // Binds and listens at once (throws boost::system::system_error).
  Listener(asio::io_context& ctx, const ServerConfig& config, std::vector<std::unique_ptr<Shard>>& shards,
           std::atomic<std::size_t>& clients);
  std::uint16_t port() const { return port_; }
  void start();
  void stop();  // closes the acceptor; handshakes in flight are refused

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> handshake(tcp::socket sock, Slot slot, MemberId id);
  Shard& shard_for(const std::string& ring);

  asio::io_context& ctx_;
  const ServerConfig& config_;
  std::vector<std::unique_ptr<Shard>>& shards_;
  std::atomic<std::size_t>& clients_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  MemberId next_id_ = 1;
  bool stopped_ = false;
};

}  // namespace baton::server

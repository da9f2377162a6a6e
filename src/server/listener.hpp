// Accepts connections, enforces --max-clients, and runs each connection's
// handshake: our greeting, then the peer's HELLO (v1) or its silence, a GO
// probe and its NAME:NUMBER answer (the seed's client). PeerDetector decides;
// this class does the I/O. A finished handshake is handed to the shard that
// owns the ring it named.
// Thread: runs on shard 0's io_context only; stop() too.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/peer_detector.hpp"
#include "server/asio.hpp"
#include "core/close_reason.hpp"
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
  // Closes the acceptor; a handshake in flight ends at its next step, or
  // with shard 0's event loop.
  void stop();
  // Read only after shard 0's thread has stopped.
  const ClosedCounts& closed() const { return closed_; }

 private:
  void on_accept(tcp::socket sock);
  void on_exhausted(int fd);
  asio::awaitable<void> handshake(tcp::socket sock, Slot slot, MemberId id);
  asio::awaitable<bool> act(tcp::socket& sock, PeerDetector::Verdict v, Slot& slot, MemberId id);
  void hand_off(tcp::socket& sock, Handoff h);

  asio::io_context& ctx_;
  const ServerConfig& config_;
  std::vector<std::unique_ptr<Shard>>& shards_;
  std::atomic<std::size_t>& clients_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  MemberId next_id_ = 1;
  bool stopped_ = false;
  ClosedCounts closed_{};
};

}  // namespace baton::server

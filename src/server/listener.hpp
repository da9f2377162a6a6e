// Accepts connections on the plain port and the TLS port, admits them
// (--max-clients, the per-address quotas of the Gate), and runs each
// connection's handshake: TLS first on the TLS port, then our greeting, then
// the peer's HELLO (v1) or its silence, a GO probe and its NAME:NUMBER answer
// (the seed's client, plain port only). PeerDetector tells which; the Gate
// decides who may do what; this class does the I/O. A finished handshake is
// handed to the shard that owns the ring it named.
// Thread: runs on shard 0's io_context only; stop() and set_tls() too.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "core/close_reason.hpp"
#include "core/peer_detector.hpp"
#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/gate.hpp"
#include "server/link.hpp"
#include "server/shard.hpp"
#include "server/stats.hpp"

namespace baton::server {

class Listener {
 public:
  // Binds and listens at once (throws boost::system::system_error, or
  // std::runtime_error for unusable TLS files).
  Listener(asio::io_context& ctx, const ServerConfig& config, std::vector<std::unique_ptr<Shard>>& shards,
           std::atomic<std::size_t>& clients, std::atomic<std::size_t>& tls_clients, Gate& gate,
           ListenerStats& stats);
  std::uint16_t port() const { return port_; }          // 0 with --no-plain
  std::uint16_t tls_port() const { return tls_port_; }  // 0 without --tls-port
  void start();
  // Closes the acceptors; a handshake in flight ends at its next step, or
  // with shard 0's event loop.
  void stop();
  // New TLS credentials for handshakes from now on (SIGHUP).
  void set_tls(std::shared_ptr<ssl::context> ctx) { tls_ctx_ = std::move(ctx); }
  // Any thread (single writer: shard 0). Owned by the server: it outlives
  // the handshakes still suspended when shard 0's io_context is destroyed.
  const ListenerStats& stats() const { return stats_; }

 private:
  struct Peer {
    asio::ip::address address;
    std::string text;  // "address:port", for the log
  };
  std::uint16_t open(tcp::acceptor& a, std::uint16_t port);
  void on_accept(tcp::socket sock, bool tls);
  void on_exhausted(int fd);
  void note_quota_refusal(const Peer& peer, std::string_view why);
  asio::awaitable<void> handshake(Link link, Slot slot, MemberId id, Peer peer);
  asio::awaitable<bool> act(Link& link, PeerDetector::Verdict v, Slot& slot, MemberId id, const Peer& peer);
  // peer by value: a coroutine must not hold a reference into its caller's frame.
  asio::awaitable<void> refuse_counted(Link& link, Refusal r, std::string peer);
  asio::awaitable<void> hand_off(Link& link, Handoff h);

  asio::io_context& ctx_;
  const ServerConfig& config_;
  std::vector<std::unique_ptr<Shard>>& shards_;
  std::atomic<std::size_t>& clients_;
  std::atomic<std::size_t>& tls_clients_;
  Gate& gate_;
  ListenerStats& stats_;
  tcp::acceptor acceptor_;
  tcp::acceptor tls_acceptor_;
  std::shared_ptr<ssl::context> tls_ctx_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  MemberId next_id_ = 1;
  bool stopped_ = false;
  std::size_t quota_refusals_ = 0;          // since the last log line about them
  Clock::time_point next_quota_log_{};
};

}  // namespace baton::server

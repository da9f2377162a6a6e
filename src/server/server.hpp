// The whole server: N shards (one executor thread per core), the listener on
// shard 0, the admin HTTP port, and the signal handling that drains it.
// Thread: construct, run() and stop() from one controlling thread; stop() may
// also be called from any thread (e.g. a test), it only posts.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "server/config.hpp"
#include "server/gate.hpp"
#include "server/journal_dir.hpp"
#include "server/listener.hpp"
#include "server/shard.hpp"
#include "server/stats.hpp"

namespace baton::server {

class AdminHttp;
class StatusSource;

class Server {
 public:
  // Binds the ports at once (throws on failure) so port() is known before run().
  explicit Server(ServerConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const { return listener_->port(); }          // 0 with --no-plain
  std::uint16_t tls_port() const { return listener_->tls_port(); }  // 0 without --tls-port
  std::uint16_t admin_port() const;
  // Runs until SIGTERM/SIGINT (when handle_signals) or stop(), then drains.
  void run(bool handle_signals = true);
  // Begins the drain: stop accepting, SHUTDOWN to every client, exit run().
  void stop();
  bool draining() const noexcept { return draining_.load(); }
  std::size_t clients() const noexcept { return clients_.load(); }

 private:
  void begin_drain();
  void wait_signal(asio::signal_set& signals);
  void reload();
  void announce_security() const;  // SIGHUP: --auth-file and the TLS files, each kept as it was if the new one is unusable

  ServerConfig config_;
  std::optional<DirLock> journal_lock_;  // --journal: held until the server is gone
  // Before shards_: the Slots inside sessions and handshakes count down on it
  // while the shards are destroyed.
  std::atomic<std::size_t> clients_{0};
  std::atomic<std::size_t> tls_clients_{0};  // --max-tls-clients
  std::unique_ptr<Gate> gate_;  // before shards_ too: Slots release into it
  std::atomic<std::size_t> rings_in_use_{0};  // --max-rings, across shards
  // --metrics-ring: fixed at start; each ring's gauges written by the shard that owns it.
  std::vector<std::unique_ptr<RingGauges>> exported_;
  // Before shards_ too: handshake and admin coroutines that are still
  // suspended when shard 0's io_context goes count down on these.
  ListenerStats listener_stats_;
  AdminStats admin_stats_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<StatusSource> status_;
  std::unique_ptr<AdminHttp> admin_;
  std::atomic<bool> draining_{false};
};

}  // namespace baton::server

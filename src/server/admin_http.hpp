// The admin HTTP port (docs/ADMIN.md): probes (/livez, /readyz), /metrics,
// the JSON status API (/status, /rings, /rings/NAME), the live feed
// (/events, Server-Sent Events) and the status page at /. Served by
// Boost.Beast on shard 0's io_context: no thread of its own. Ring state is
// read on each ring's shard thread (StatusSource), never shared.
// Thread: construct and start() on shard 0's thread (or before it runs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/hub.hpp"

#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/event_feed.hpp"
#include "server/stats.hpp"

namespace baton::server {

class Gate;
class StatusSource;

class AdminHttp {
 public:
  // Binds at once (throws boost::system::system_error); ep's port may be 0.
  AdminHttp(asio::io_context& ctx, const tcp::endpoint& ep, const ServerConfig& config, StatusSource& source,
            Gate& gate, AdminStats& stats);
  std::uint16_t port() const { return port_; }
  struct ActionReply {  // an action's HTTP status and JSON body
    unsigned status;
    std::string body;
  };
  // No stop(): the port stays open through the drain on purpose, so that
  // /readyz answers 503 until the process exits; it goes with shard 0.
  void start();

 private:
  asio::awaitable<void> serve(tcp::socket sock);
  asio::awaitable<void> tick_loop();
  // POST /rings/NAME/<action> (server/admin_actions.cpp): who may, and the answer.
  asio::awaitable<ActionReply> action(const tcp::socket& sock, std::string ring, AdminAction a,
                                      const std::optional<auth::Credential>& credential);

  asio::io_context& ctx_;
  const ServerConfig& config_;
  StatusSource& source_;
  Gate& gate_;
  AdminStats& stats_;
  tcp::acceptor acceptor_;
  EventFeed feed_;
  std::uint16_t port_ = 0;
};

}  // namespace baton::server

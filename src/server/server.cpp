#include "server/server.hpp"

#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "server/log.hpp"
#include "server/admin_http.hpp"

namespace baton::server {

Server::Server(ServerConfig config) : config_(std::move(config)) {
  if (!config_.journal.empty()) {
    history_ = Journal::recover(config_.journal);
    journal_ = std::make_unique<Journal>(config_.journal);
  }
  unsigned n = config_.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(config_, journal_.get(), history_));
  listener_ = std::make_unique<Listener>(shards_[0]->context(), config_, shards_, clients_);
  if (config_.admin_port != 0) {
    const tcp::endpoint ep(asio::ip::make_address(config_.host), config_.admin_port);
    admin_ = std::make_unique<AdminHttp>(shards_[0]->context(), ep, [this] { return !draining_.load(); });
  }
}

Server::~Server() = default;

std::uint16_t Server::admin_port() const { return admin_ ? admin_->port() : 0; }

void Server::run(bool handle_signals) {
  auto& ctx0 = shards_[0]->context();
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(ctx0, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      log_info(fmt::format("signal {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
      begin_drain();
    });
  }
  listener_->start();
  if (admin_) admin_->start();
  log_info(fmt::format("baton-server listening on {}:{} ({} threads, min {} members)", config_.host, port(),
                       shards_.size(), config_.min_members));
  flush_logs();  // whoever waits for us to listen should not wait for the periodic flush
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards_.size(); ++i) threads.emplace_back([s = shards_[i].get()] { s->run(); });
  shards_[0]->run();
  for (auto& t : threads) t.join();
  log_info("baton-server stopped");
}

void Server::stop() {
  asio::post(shards_[0]->context(), [this] { begin_drain(); });
}

void Server::begin_drain() {
  if (draining_.exchange(true)) return;
  listener_->stop();
  // /readyz answers 503 from now on; the admin port itself goes when shard 0 stops.
  for (auto& s : shards_) s->drain();
}

}  // namespace baton::server

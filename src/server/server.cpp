#include "server/server.hpp"

#include <sys/resource.h>

#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "server/admin_http.hpp"
#include "server/status_source.hpp"
#include "server/journal_startup.hpp"
#include "server/log.hpp"

namespace baton::server {
namespace {

// Descriptors the server needs besides one per client: listeners, the
// accept loops' spares, epoll, eventfds, the journal, stdio, a margin.
constexpr rlim_t kOtherDescriptors = 64;

// Raises the soft RLIMIT_NOFILE to fit --max-clients, or says at start that it
// can't (beyond the limit a client still gets SERVER_FULL, never silence).
void fit_descriptor_limit(std::size_t max_clients) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_clients) + kOtherDescriptors;
  if (lim.rlim_cur >= want) return;
  const rlim_t soft = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
  if (soft > lim.rlim_cur) {
    rlimit raised{soft, lim.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim.rlim_cur = soft;
  }
  if (lim.rlim_cur < want)
    log_warn(fmt::format("open-file limit {} (hard {}) holds about {} clients, not --max-clients {}; "
                         "beyond that, clients get SERVER_FULL",
                         lim.rlim_cur, lim.rlim_max, lim.rlim_cur > kOtherDescriptors ? lim.rlim_cur - kOtherDescriptors : 0,
                         max_clients));
}

}  // namespace

Server::Server(ServerConfig config) : config_(std::move(config)) {
  fit_descriptor_limit(config_.max_clients);
  if (config_.idle_timeout.count() > 0 && config_.heartbeat.count() > 0 && config_.heartbeat * 2 > config_.idle_timeout) {
    // A live client must get two heartbeats' chance before it counts as idle.
    config_.heartbeat = config_.idle_timeout / 2;
    log_warn(fmt::format("--heartbeat lowered to {} ms: --idle-timeout {} ms needs two heartbeats",
                         config_.heartbeat.count(), config_.idle_timeout.count()));
  }
  gate_ = std::make_unique<Gate>(config_);  // reads --auth-file: a bad one stops us here
  unsigned n = config_.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  // Recovery runs before any shard exists: no ring has a number yet.
  OpenJournal journal;
  if (!config_.journal.empty()) {
    journal = open_journal(config_, n);
    journal_lock_.emplace(std::move(*journal.lock));
  }
  for (const auto& name : config_.metrics_rings) {
    exported_.push_back(std::make_unique<RingGauges>());
    exported_.back()->name = name;
  }
  auto exported = [this](const std::string& name) -> RingGauges* {
    for (auto& g : exported_)
      if (g->name == name) return g.get();
    return nullptr;
  };
  // A wrong session secret counts as a failed credential for its address,
  // in the Gate's books on shard 0 (the listener's thread).
  auto bad_secret = [this](const std::string& peer) {
    asio::post(shards_[0]->context(), [this, peer] {
      boost::system::error_code ec;
      const auto address = asio::ip::make_address(peer.substr(0, peer.rfind(':')), ec);
      if (!ec) gate_->note_failure(address, Clock::now());
    });
  };
  for (unsigned i = 0; i < n; ++i) {
    std::unique_ptr<JournalPort> port;
    if (!journal.shards.empty()) port = std::move(journal.shards[i]);
    shards_.push_back(
        std::make_unique<Shard>(config_, std::move(port), journal.floor, n, rings_in_use_, exported, bad_secret));
  }
  // Before the shards run: each hub learns its rings' last sends per member.
  for (const auto& [key, turn] : journal.last_sends) {
    const auto slash = key.find('/');
    const std::string_view ring = std::string_view(key).substr(0, slash);
    shards_[shard_index(ring, n)]->hub().remember(ring, std::string_view(key).substr(slash + 1), turn);
  }
  listener_ = std::make_unique<Listener>(shards_[0]->context(), config_, shards_, clients_, tls_clients_, *gate_,
                                         listener_stats_);
  status_ = std::make_unique<StatusSource>(config_, shards_, *listener_, [this] { return !draining_.load(); },
                                           exported_, admin_stats_, gate_->auth_on());
  if (config_.admin) {
    const tcp::endpoint ep(asio::ip::make_address(config_.host), config_.admin_port);
    admin_ = std::make_unique<AdminHttp>(shards_[0]->context(), ep, config_, *status_, *gate_, admin_stats_);
  }
}

Server::~Server() = default;

std::uint16_t Server::admin_port() const { return admin_ ? admin_->port() : 0; }

void Server::run(bool handle_signals) {
  auto& ctx0 = shards_[0]->context();
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    // SIGHUP is caught so that a closed terminal or a careless `kill -HUP`
    // never ends the server without a drain.
    signals.emplace(ctx0, SIGINT, SIGTERM, SIGHUP);
    wait_signal(*signals);
  }
  listener_->start();
  if (admin_) admin_->start();
  if (config_.plain)
    log_info(fmt::format("baton-server listening on {}:{} ({} threads, min {} members)", config_.host, port(),
                         shards_.size(), config_.min_members));
  if (config_.tls_port)
    log_info(fmt::format("TLS on {}:{}{}", config_.host, tls_port(),
                         config_.tls_client_ca.empty() ? "" : " (client certificates required)"));
  announce_security();
  if (admin_) log_info(fmt::format("admin HTTP on {}:{}", config_.host, admin_->port()));
  flush_logs();  // whoever waits for us to listen should not wait for the periodic flush
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards_.size(); ++i) threads.emplace_back([s = shards_[i].get()] { s->run(); });
  shards_[0]->run();
  for (auto& t : threads) t.join();
  ClosedTotals closed{};
  add_to(closed, listener_->stats().closed);
  for (auto& s : shards_) add_to(closed, s->stats().closed);
  log_info(fmt::format("connections closed: {}", describe(closed)));
  log_info("baton-server stopped");
}

void Server::wait_signal(asio::signal_set& signals) {
  signals.async_wait([this, &signals](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
      wait_signal(signals);
      return;
    }
    log_info(fmt::format("signal {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    begin_drain();
  });
}

// Says once, at start, what a stranger can do here.
void Server::announce_security() const {
  const std::string legacy = config_.effective_legacy_ring();
  if (config_.auth_file.empty()) {
    boost::system::error_code ec;
    const auto host = asio::ip::make_address(config_.host, ec);
    if (!ec && !host.is_loopback())
      log_warn(fmt::format("no --auth-file: anyone who can reach {}:{} may join, watch and send in any ring",
                           config_.host, config_.plain ? port() : tls_port()));
  } else {
    log_info(fmt::format("auth: {} grants from {}", gate_->table()->size(), config_.auth_file));
    if (gate_->table()->size() == 0) log_warn("the auth file grants nothing: every v1 client will be refused");
  }
  if (config_.plain && config_.legacy_after.count() > 0)
    log_info(legacy.empty() ? std::string("legacy clients (the seed's client.py) are refused: no --legacy-ring")
                            : fmt::format("legacy clients join ring {} without a token", legacy));
}

void Server::reload() {
  log_info("signal SIGHUP: reloading the auth file and the TLS files");
  if (!config_.auth_file.empty()) {
    try {
      auto table = gate_->reload();
      for (auto& s : shards_) s->set_auth(table);
      log_info(fmt::format("auth: {} grants from {}", table->size(), config_.auth_file));
    } catch (const std::exception& e) {
      log_warn(fmt::format("auth file not reloaded, the old one stays: {}", e.what()));
    }
  }
  if (config_.tls_port) {
    try {
      listener_->set_tls(make_tls_context({config_.tls_cert, config_.tls_key, config_.tls_client_ca}));
      log_info("TLS: certificate and key reloaded");
    } catch (const std::exception& e) {
      log_warn(fmt::format("TLS files not reloaded, the old ones stay: {}", e.what()));
    }
  }
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

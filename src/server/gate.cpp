#include "server/gate.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "core/v1_codec.hpp"
#include "server/slot.hpp"

namespace baton::server {
namespace {

PeerGuard::Limits limits_of(const ServerConfig& c) {
  PeerGuard::Limits l;
  l.max_conns_per_addr = c.max_conns_per_addr;
  l.conn_rate_per_sec = c.conn_rate_per_addr;
  l.conn_burst = c.conn_rate_per_addr > 0 ? static_cast<std::size_t>(c.conn_rate_per_addr * 2) : 0;
  l.fail_delay_step = c.auth_fail_delay;
  l.fail_delay_max = c.auth_fail_delay_max;
  // Every connection can be tracked, so a live one is never left uncounted.
  l.max_tracked_addrs = std::max(l.max_tracked_addrs, c.max_clients);
  return l;
}

// Unpredictable, so that no peer can pick addresses that collide in the table.
std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

PeerGuard::Key key_of(const asio::ip::address& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return PeerGuard::key_of(std::span<const unsigned char>(b.data(), b.size()));
  }
  const auto b = a.to_v6().to_bytes();
  return PeerGuard::key_of(std::span<const unsigned char>(b.data(), b.size()));
}

// The table in --auth-file; errors name the flag too.
std::shared_ptr<const auth::AuthTable> load_table(const std::string& path) {
  try {
    return std::make_shared<const auth::AuthTable>(auth::AuthTable::load(path));
  } catch (const auth::AuthFileError& e) {
    throw auth::AuthFileError(e.line(), std::string("--auth-file ") + e.what());
  }
}

}  // namespace

Gate::Gate(const ServerConfig& config) : config_(config), guard_(limits_of(config), random_seed()) {
  if (!config.auth_file.empty()) table_ = load_table(config.auth_file);
}

std::optional<Refusal> Gate::admit(const asio::ip::address& address, Clock::time_point now) {
  PeerGuard::Admit verdict;
  {
    std::lock_guard lock(mutex_);
    verdict = guard_.admit(key_of(address), now);
  }
  switch (verdict) {
    case PeerGuard::Admit::ok:
      return std::nullopt;
    case PeerGuard::Admit::too_many_conns:
      return Refusal{v1::code::quota,
                     fmt::format("at most {} connections from one address (--max-conns-per-addr)",
                                 config_.max_conns_per_addr),
                     Closed::quota};
    case PeerGuard::Admit::too_fast:
      break;
  }
  return Refusal{v1::code::quota,
                 fmt::format("at most {} new connections per second from one address (--conn-rate-per-addr)",
                             config_.conn_rate_per_addr),
                 Closed::quota};
}

void Gate::release(const asio::ip::address& address) noexcept {
  std::lock_guard lock(mutex_);
  guard_.release(key_of(address));
}

std::chrono::milliseconds Gate::failure_delay(const asio::ip::address& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return guard_.failure_delay(key_of(address), now);
}

void Gate::note_failure(const asio::ip::address& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  guard_.note_failure(key_of(address), now);
}

std::variant<Admitted, Refusal> Gate::check_hello(const PeerDetector::Hello& h,
                                                  const std::vector<std::string>* cert_names) const {
  const char* role = h.watcher ? "watcher" : "member";
  // Mutual TLS binds the name: a certificate speaks for the names it carries.
  if (cert_names && std::find(cert_names->begin(), cert_names->end(), h.name) == cert_names->end())
    return Refusal{v1::code::forbidden, fmt::format("name {} is not in your client certificate", h.name), Closed::auth};
  if (!table_) return Admitted{};
  std::optional<auth::Credential> cred;
  if (!h.token.empty()) {
    cred = table_->identify_token(h.token);
    if (!cred) return Refusal{v1::code::auth_failed, "unknown token", Closed::auth, true};
  } else if (cert_names) {
    cred = table_->identify_cert(h.name);
    if (!cred)
      return Refusal{v1::code::auth_failed, fmt::format("no grant for certificate name {} and no token", h.name),
                     Closed::auth};
  } else {
    return Refusal{v1::code::auth_failed, "this server needs a token (HELLO ... <token>; baton-client --token-file)",
                   Closed::auth};
  }
  if (!table_->allows(*cred, h.ring, h.watcher))
    return Refusal{v1::code::forbidden, fmt::format("{} may not join ring {} as {}", cred->label, h.ring, role),
                   Closed::auth};
  return Admitted{std::move(cred)};
}

std::variant<std::string, Refusal> Gate::check_legacy() const {
  std::string ring = config_.effective_legacy_ring();
  if (ring.empty())
    return Refusal{v1::code::forbidden, "legacy clients are not let in (no --legacy-ring)", Closed::auth};
  return ring;
}

std::shared_ptr<const auth::AuthTable> Gate::reload() {
  if (config_.auth_file.empty()) return nullptr;
  table_ = load_table(config_.auth_file);
  return table_;
}

void Slot::release() noexcept {
  if (count_) count_->fetch_sub(1, std::memory_order_relaxed);
  if (tls_count_) tls_count_->fetch_sub(1, std::memory_order_relaxed);
  tls_count_ = nullptr;
  if (gate_) gate_->release(address_);
  count_ = nullptr;
  gate_ = nullptr;
}

}  // namespace baton::server

#include "server/listener.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "core/v1_codec.hpp"
#include "server/accept.hpp"
#include "server/farewell.hpp"
#include "server/log.hpp"

namespace baton::server {

using namespace asio::experimental::awaitable_operators;

namespace {
// The handshake's read buffer: a HELLO line, or a legacy message (at most
// kMaxLegacyMessage, and a read that fills the buffer is checked for more).
constexpr std::size_t kHandshakeReadBytes = 1024;
}  // namespace

Listener::Listener(asio::io_context& ctx, const ServerConfig& config, std::vector<std::unique_ptr<Shard>>& shards,
                   std::atomic<std::size_t>& clients)
    : ctx_(ctx), config_(config), shards_(shards), clients_(clients), acceptor_(ctx) {
  const tcp::endpoint ep(asio::ip::make_address(config.host), config.port);
  acceptor_.open(ep.protocol());
  // A fixed port must be reusable at once after a restart (TIME_WAIT); an
  // ephemeral one must not be: with SO_REUSEADDR, bind(0) can fail with
  // EADDRINUSE while many connections linger in TIME_WAIT.
  if (config.port != 0) acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void Listener::start() {
  asio::co_spawn(ctx_,
                 accept_each(
                     acceptor_, "client port", [this](tcp::socket s) { on_accept(std::move(s)); },
                     [this](int fd) { on_exhausted(fd); }),
                 detached_logged);
}

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

void Listener::on_accept(tcp::socket sock) {
  if (clients_.load(std::memory_order_relaxed) >= config_.max_clients) {
    std::string out;
    v1::put_error(out, v1::code::server_full, fmt::format("at most {} clients", config_.max_clients));
    count(closed_, Closed::server_full);
    refuse_now(sock.release(), out);
    return;
  }
  asio::co_spawn(ctx_, handshake(std::move(sock), Slot(clients_), next_id_++), detached_logged);
}

void Listener::on_exhausted(int fd) {
  std::string out;
  v1::put_error(out, v1::code::server_full, "the server is out of file descriptors");
  count(closed_, Closed::server_full);
  refuse_now(fd, out);
}

asio::awaitable<void> Listener::handshake(tcp::socket sock, Slot slot, MemberId id) {
  std::string greeting;
  v1::put_greeting(greeting);
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(greeting), use_tuple);
  if (wec) co_return;

  PeerDetector detector(config_.max_line, config_.legacy_after.count() > 0);
  const auto started = Clock::now();
  std::array<char, kHandshakeReadBytes> buf{};
  asio::steady_timer timer(ctx_);
  for (;;) {
    const bool quiet_phase = !detector.heard() && !detector.probed() && config_.legacy_after.count() > 0;
    timer.expires_at(started + (quiet_phase ? config_.legacy_after : config_.hello_timeout));
    auto result = co_await (sock.async_read_some(asio::buffer(buf), use_tuple) || timer.async_wait(use_tuple));
    if (stopped_) co_return;
    PeerDetector::Verdict verdict;
    if (result.index() == 1) {
      verdict = quiet_phase ? detector.on_quiet()
                            : PeerDetector::Refuse{v1::code::hello_timeout, "no HELLO within the hello timeout"};
    } else {
      auto [ec, n] = std::get<0>(result);
      if (ec || n == 0) co_return;  // gone before it said who it is
      boost::system::error_code aec;
      const bool more = n == buf.size() && sock.available(aec) > 0;
      verdict = detector.on_bytes(std::string_view(buf.data(), n), more);
    }
    if (!co_await act(sock, std::move(verdict), slot, id)) co_return;
  }
}

// Carries out one verdict; false when the handshake is over.
asio::awaitable<bool> Listener::act(tcp::socket& sock, PeerDetector::Verdict v, Slot& slot, MemberId id) {
  if (std::holds_alternative<PeerDetector::NeedMore>(v)) co_return true;
  if (std::holds_alternative<PeerDetector::Probe>(v)) {
    // The seed's client compares each whole recv() with "GO"; the greeting
    // went 300 ms ago, so the two never share a read.
    std::string go;
    legacy::put_go(go);
    auto [ec, n] = co_await asio::async_write(sock, asio::buffer(go), use_tuple);
    co_return !ec;
  }
  if (auto* r = std::get_if<PeerDetector::Refuse>(&v)) {
    count(closed_, Closed::refused);
    co_await refuse(std::move(sock), r->code, std::move(r->text));
    co_return false;
  }
  if (auto* h = std::get_if<PeerDetector::Hello>(&v)) {
    hand_off(sock, Handoff{-1, false, id, Identity{Wire::v1, h->watcher, std::move(h->ring), std::move(h->name)},
                           std::move(h->leftover), std::nullopt, std::move(slot)});
    co_return false;
  }
  auto& l = std::get<PeerDetector::Legacy>(v);
  hand_off(sock, Handoff{-1, false, id, Identity{Wire::legacy, false, "default", std::move(l.name)}, {},
                         std::move(l.payload), std::move(slot)});
  co_return false;
}

void Listener::hand_off(tcp::socket& sock, Handoff h) {
  boost::system::error_code ec;
  h.v6 = sock.local_endpoint(ec).address().is_v6();
  h.fd = sock.release(ec);
  Shard& owner = *shards_[std::hash<std::string>{}(h.who.ring) % shards_.size()];
  owner.adopt(std::move(h));
}

}  // namespace baton::server

#include "server/listener.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "core/v1_codec.hpp"
#include "server/log.hpp"

namespace baton::server {

using namespace asio::experimental::awaitable_operators;

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

void Listener::start() { asio::co_spawn(ctx_, accept_loop(), detached_logged); }

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

Shard& Listener::shard_for(const std::string& ring) {
  return *shards_[std::hash<std::string>{}(ring) % shards_.size()];
}

asio::awaitable<void> Listener::accept_loop() {
  while (!stopped_) {
    // Accept into a socket we own: Asio 1.81's io_uring backend frees a
    // pending "move" accept wrongly when the io_context is destroyed.
    tcp::socket sock(ctx_);
    auto [ec] = co_await acceptor_.async_accept(sock, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopped_) co_return;
      // Out of descriptors and the like: say so, back off briefly, go on.
      log_warn(fmt::format("accept failed: {}", ec.message()));
      asio::steady_timer t(ctx_, std::chrono::milliseconds(50));
      co_await t.async_wait(use_tuple);
      continue;
    }
    if (clients_.load(std::memory_order_relaxed) >= config_.max_clients) {
      std::string out;
      v1::put_error(out, v1::code::server_full, fmt::format("at most {} clients", config_.max_clients));
      boost::system::error_code wec;
      sock.non_blocking(true, wec);
      sock.write_some(asio::buffer(out), wec);
      sock.shutdown(tcp::socket::shutdown_both, wec);
      sock.close(wec);
      continue;
    }
    asio::co_spawn(ctx_, handshake(std::move(sock), Slot(clients_), next_id_++), detached_logged);
  }
}

asio::awaitable<void> Listener::handshake(tcp::socket sock, Slot slot, MemberId id) {
  std::string out;
  v1::put_greeting(out);
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(out), use_tuple);
  if (wec) co_return;

  auto refuse = [&](std::string_view code, std::string_view text) -> asio::awaitable<void> {
    std::string err;
    v1::put_error(err, code, text);
    boost::system::error_code ec;
    co_await asio::async_write(sock, asio::buffer(err), use_tuple);
    sock.shutdown(tcp::socket::shutdown_send, ec);
    // Give the peer a moment to read the error before the socket goes.
    asio::steady_timer t(ctx_, std::chrono::milliseconds(200));
    co_await t.async_wait(use_tuple);
    sock.close(ec);
  };

  const bool detect_legacy = config_.legacy_after.count() > 0;
  const auto started = Clock::now();
  v1::LineReader lines(config_.max_line);
  std::array<char, 1024> buf{};
  bool heard = false;
  asio::steady_timer timer(ctx_);
  for (;;) {
    const auto limit = (!heard && detect_legacy) ? config_.legacy_after : config_.hello_timeout;
    timer.expires_at(started + limit);
    auto result = co_await (sock.async_read_some(asio::buffer(buf), use_tuple) || timer.async_wait(use_tuple));
    if (result.index() == 1) {  // timed out
      if (stopped_) co_return;
      if (!heard && detect_legacy) {
        // Silence after our greeting: the seed's client, which waits for GO.
        Identity who{Wire::legacy, false, "default", fmt::format("legacy-{}", id)};
        boost::system::error_code lec;
        const bool v6 = sock.local_endpoint(lec).address().is_v6();
        shard_for(who.ring).adopt(sock.release(), v6, id, std::move(who), {}, std::move(slot));
        co_return;
      }
      co_await refuse(v1::code::hello_timeout, "no HELLO within the hello timeout");
      co_return;
    }
    auto [ec, n] = std::get<0>(result);
    if (ec || n == 0 || stopped_) co_return;
    heard = true;
    lines.append(std::string_view(buf.data(), n));
    auto line = lines.next();
    if (!line) {
      if (lines.overflow()) {
        co_await refuse(v1::code::line_too_long, "HELLO line too long");
        co_return;
      }
      continue;
    }
    std::string_view why;
    const auto msg = v1::parse(*line, &why);
    if (!msg || msg->verb != v1::Verb::hello) {
      co_await refuse(v1::code::bad_frame, msg ? "HELLO expected" : why);
      co_return;
    }
    if (msg->number != static_cast<std::uint64_t>(kProtocolVersion)) {
      co_await refuse(v1::code::bad_version, fmt::format("this server speaks version {}", kProtocolVersion));
      co_return;
    }
    Identity who{Wire::v1, msg->watcher, std::string(msg->ring), std::string(msg->name)};
    std::string leftover(lines.pending());
    boost::system::error_code lec;
    const bool v6 = sock.local_endpoint(lec).address().is_v6();
    shard_for(who.ring).adopt(sock.release(), v6, id, std::move(who), std::move(leftover), std::move(slot));
    co_return;
  }
}

}  // namespace baton::server

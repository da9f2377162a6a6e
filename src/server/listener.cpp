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
                   std::atomic<std::size_t>& clients, std::atomic<std::size_t>& tls_clients, Gate& gate,
                   ListenerStats& stats)
    : ctx_(ctx), config_(config), shards_(shards), clients_(clients), tls_clients_(tls_clients), gate_(gate),
      stats_(stats),
      acceptor_(ctx),
      tls_acceptor_(ctx) {
  if (config.tls_port) tls_ctx_ = make_tls_context({config.tls_cert, config.tls_key, config.tls_client_ca});
  if (config.plain) port_ = open(acceptor_, config.port);
  if (config.tls_port) tls_port_ = open(tls_acceptor_, *config.tls_port);
}

std::uint16_t Listener::open(tcp::acceptor& a, std::uint16_t port) {
  const tcp::endpoint ep(asio::ip::make_address(config_.host), port);
  a.open(ep.protocol());
  // A fixed port must be reusable at once after a restart (TIME_WAIT); an
  // ephemeral one must not be: with SO_REUSEADDR, bind(0) can fail with
  // EADDRINUSE while many connections linger in TIME_WAIT.
  if (port != 0) a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  return a.local_endpoint().port();
}

void Listener::start() {
  auto exhausted = [this](int fd) { on_exhausted(fd); };
  if (acceptor_.is_open())
    asio::co_spawn(ctx_, accept_each(acceptor_, "client port", [this](tcp::socket s) { on_accept(std::move(s), false); },
                                     exhausted),
                   detached_logged);
  if (tls_acceptor_.is_open())
    asio::co_spawn(ctx_, accept_each(tls_acceptor_, "TLS port", [this](tcp::socket s) { on_accept(std::move(s), true); },
                                     exhausted),
                   detached_logged);
}

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  tls_acceptor_.close(ec);
}

void Listener::on_accept(tcp::socket sock, bool tls) {
  // Admission before any handshake (Redis's acceptCommonHandler): a refused
  // peer costs one write, never a TLS handshake.
  std::string out;
  stats_.accepted.add();
  if (clients_.load(std::memory_order_relaxed) >= config_.max_clients) {
    v1::put_error(out, v1::code::server_full, fmt::format("at most {} clients", config_.max_clients));
    count(stats_.closed, Closed::server_full);
    count_error(stats_.errors, v1::code::server_full);
    refuse_now(sock.release(), out);
    return;
  }
  if (tls && tls_clients_.load(std::memory_order_relaxed) >= config_.max_tls_clients) {
    // Each TLS connection holds ~60 KB of buffers (Asio's and OpenSSL's):
    // bounded apart, so that strangers can't spend the memory with handshakes.
    v1::put_error(out, v1::code::server_full,
                  fmt::format("at most {} TLS clients (--max-tls-clients)", config_.max_tls_clients));
    count(stats_.closed, Closed::server_full);
    count_error(stats_.errors, v1::code::server_full);
    refuse_now(sock.release(), out);
    return;
  }
  boost::system::error_code ec;
  const auto remote = sock.remote_endpoint(ec);
  if (ec) return;  // already gone
  Peer peer{remote.address(), fmt::format("{}:{}", remote.address().to_string(), remote.port())};
  if (auto r = gate_.admit(peer.address, Clock::now())) {
    // Plain text even on the TLS port: no handshake is spent on a refusal.
    v1::put_error(out, r->code, r->text);
    count(stats_.closed, r->why);
    count_error(stats_.errors, r->code);
    refuse_now(sock.release(), out);
    note_quota_refusal(peer, r->text);
    return;
  }
  Slot slot(clients_);
  slot.hold_address(gate_, peer.address);
  if (tls) slot.hold_tls(tls_clients_);
  Link link = tls ? Link(std::move(sock), *tls_ctx_) : Link(std::move(sock));
  asio::co_spawn(ctx_, handshake(std::move(link), std::move(slot), next_id_++, std::move(peer)), detached_logged);
}

// A flood is logged once a second with a count, not once per connection.
void Listener::note_quota_refusal(const Peer& peer, std::string_view why) {
  ++quota_refusals_;
  const auto now = Clock::now();
  if (now < next_quota_log_) return;
  log_info(fmt::format("{} refused: {}{}", peer.text, why,
                       quota_refusals_ > 1 ? fmt::format(" (and {} more refusals in the last second)", quota_refusals_ - 1)
                                           : ""));
  quota_refusals_ = 0;
  next_quota_log_ = now + kAcceptLogEvery;
}

void Listener::on_exhausted(int fd) {
  std::string out;
  v1::put_error(out, v1::code::server_full, "the server is out of file descriptors");
  count(stats_.closed, Closed::server_full);
  count_error(stats_.errors, v1::code::server_full);
  refuse_now(fd, out);
}

asio::awaitable<void> Listener::handshake(Link link, Slot slot, MemberId id, Peer peer) {
  struct InFlight {  // baton_handshakes, whichever way this coroutine ends
    Gauge& g;
    explicit InFlight(Gauge& gauge) : g(gauge) { g.add(1); }
    ~InFlight() { g.add(-1); }
  } in_flight(stats_.handshakes);
  const auto started = Clock::now();
  asio::steady_timer timer(ctx_);
  if (link.tls()) {
    // A stalled TLS handshake costs a timer and a descriptor, never a thread,
    // and ends with the hello timeout like a silent plain connection.
    timer.expires_at(started + config_.hello_timeout);
    auto r = co_await (link.async_handshake(use_tuple) || timer.async_wait(use_tuple));
    const auto failed = r.index() == 1 ? asio::error::timed_out : std::get<0>(std::get<0>(r));
    if (failed) {
      count(stats_.closed, Closed::refused);
      log_info(fmt::format("TLS handshake with {} failed: {}", peer.text,
                           r.index() == 1 ? std::string("timed out") : failed.message()));
      log_close({kClosedNames[static_cast<std::size_t>(Closed::refused)], "", "", peer.text, "", "tls"});
      link.close();
      co_return;
    }
  }
  std::string greeting;
  v1::put_greeting(greeting);
  auto [wec, wn] = co_await link.async_write_all(asio::buffer(greeting), use_tuple);
  if (wec) co_return;

  // The seed's client can't speak TLS: no probe on the TLS port. (Where no
  // ring takes legacy clients it is still probed, so that the log can say why
  // it was refused.)
  const bool legacy = !link.tls() && config_.legacy_after.count() > 0;
  PeerDetector detector(config_.max_line, legacy);
  std::array<char, kHandshakeReadBytes> buf{};
  for (;;) {
    const bool quiet_phase = !detector.heard() && !detector.probed() && legacy;
    timer.expires_at(started + (quiet_phase ? config_.legacy_after : config_.hello_timeout));
    auto result = co_await (link.async_read_some(asio::buffer(buf), use_tuple) || timer.async_wait(use_tuple));
    if (stopped_) co_return;
    PeerDetector::Verdict verdict;
    if (result.index() == 1) {
      verdict = quiet_phase ? detector.on_quiet()
                            : PeerDetector::Refuse{v1::code::hello_timeout, "no HELLO within the hello timeout"};
    } else {
      auto [ec, n] = std::get<0>(result);
      if (ec || n == 0) co_return;  // gone before it said who it is
      const bool more = n == buf.size() && link.available() > 0;
      verdict = detector.on_bytes(std::string_view(buf.data(), n), more);
    }
    if (!co_await act(link, std::move(verdict), slot, id, peer)) co_return;
  }
}

// Carries out one verdict; false when the handshake is over.
asio::awaitable<bool> Listener::act(Link& link, PeerDetector::Verdict v, Slot& slot, MemberId id, const Peer& peer) {
  if (std::holds_alternative<PeerDetector::NeedMore>(v)) co_return true;
  if (std::holds_alternative<PeerDetector::Probe>(v)) {
    // The seed's client compares each whole recv() with "GO"; the greeting
    // went 300 ms ago, so the two never share a read.
    std::string go;
    legacy::put_go(go);
    auto [ec, n] = co_await link.async_write_all(asio::buffer(go), use_tuple);
    co_return !ec;
  }
  if (auto* r = std::get_if<PeerDetector::Refuse>(&v)) {
    Refusal no{r->code, std::move(r->text)};
    co_await refuse_counted(link, std::move(no), peer.text);
    co_return false;
  }
  if (auto* h = std::get_if<PeerDetector::Hello>(&v)) {
    // Every verdict on a credential from an address that recently guessed
    // wrong waits, the right ones too: otherwise a guesser could just give
    // up on slow answers.
    if (gate_.auth_on()) {
      const auto delay = gate_.failure_delay(peer.address, Clock::now());
      if (delay.count() > 0) {
        asio::steady_timer wait(ctx_, delay);
        co_await wait.async_wait(use_tuple);
        if (stopped_) co_return false;
      }
    }
    std::optional<std::vector<std::string>> names;
    if (link.tls() && !config_.tls_client_ca.empty()) names = peer_names(link.ssl());
    auto verdict = gate_.check_hello(*h, names ? &*names : nullptr);
    if (auto* no = std::get_if<Refusal>(&verdict)) {
      log_info(fmt::format("{} refused: {} as {} of ring {}: {} {}", peer.text, h->name,
                           h->watcher ? "watcher" : "member", h->ring, no->code, no->text));
      if (no->failed_token) gate_.note_failure(peer.address, Clock::now());
      co_await refuse_counted(link, std::move(*no), peer.text);
      co_return false;
    }
    // Built apart from the co_await: g++ 12 destroys a braced temporary in a
    // co_await expression twice.
    Identity who;
    who.watcher = h->watcher;
    who.ring = std::move(h->ring);
    who.name = std::move(h->name);
    who.peer = peer.text;
    who.version = h->version;
    who.session = std::move(h->session);
    who.secret = std::move(h->secret);
    who.after = h->after;
    who.mode = h->mode;
    who.deferred_ack = h->deferred_ack;
    Handoff handoff{-1, false, {}, id, std::move(who), std::move(h->leftover), std::nullopt, std::move(slot),
                    std::move(std::get<Admitted>(verdict).credential)};
    co_await hand_off(link, std::move(handoff));
    co_return false;
  }
  auto& l = std::get<PeerDetector::Legacy>(v);
  auto ring = gate_.check_legacy();
  if (auto* no = std::get_if<Refusal>(&ring)) {
    // It can't read an ERROR line: the log is where this shows.
    log_info(fmt::format("{} refused: legacy client {}: {}", peer.text, l.name, no->text));
    count(stats_.closed, no->why);
    log_close({kClosedNames[static_cast<std::size_t>(no->why)], l.name, "", peer.text, "member", "legacy"});
    link.close();
    co_return false;
  }
  Identity who;
  who.wire = Wire::legacy;
  who.ring = std::get<std::string>(ring);
  who.name = std::move(l.name);
  who.peer = peer.text;
  Handoff handoff{-1, false, {}, id, std::move(who), {}, std::move(l.payload), std::move(slot), std::nullopt};
  co_await hand_off(link, std::move(handoff));
  co_return false;
}

asio::awaitable<void> Listener::refuse_counted(Link& link, Refusal r, std::string peer) {
  count(stats_.closed, r.why);
  count_error(stats_.errors, r.code);
  log_close({kClosedNames[static_cast<std::size_t>(r.why)], "", "", peer, "", link.tls() ? "tls" : ""});
  co_await refuse(std::move(link), r.code, std::move(r.text));
}

asio::awaitable<void> Listener::hand_off(Link& link, Handoff h) {
  auto released = link.release();
  if (!released) {
    // TLS records after the HELLO, before WELCOME: they can't move with the
    // connection (docs/PROTOCOL.md asks clients to wait for WELCOME).
    log_info(fmt::format("{} refused: TLS records after HELLO, before WELCOME", h.who.name));
    Refusal no{v1::code::bad_frame, "over TLS, send nothing after HELLO until WELCOME"};
    co_await refuse_counted(link, std::move(no), h.who.peer);
    co_return;
  }
  h.fd = released->fd;
  h.v6 = released->v6;
  h.ssl = std::move(released->ssl);
  Shard& owner = *shards_[shard_index(h.who.ring, shards_.size())];
  owner.adopt(std::move(h));
}

}  // namespace baton::server

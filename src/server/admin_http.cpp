#include "server/admin_http.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "server/accept.hpp"
#include "server/admin_json.hpp"
#include "server/admin_request.hpp"
#include "server/farewell.hpp"
#include "server/gate.hpp"
#include "server/log.hpp"
#include "server/status_page.hpp"
#include "server/status_source.hpp"

namespace baton::server {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;
using nlohmann::json;

namespace {
constexpr std::size_t kMaxRequest = 8 * 1024;                // a probe's or a browser's request is under this
constexpr auto kRequestDeadline = std::chrono::seconds(5);   // a silent peer does not keep a socket
constexpr auto kResponseDeadline = std::chrono::seconds(10); // nor one that won't read its answer
constexpr auto kTickEvery = std::chrono::seconds(1);         // turn-rate samples, status to the live feed
constexpr std::string_view kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 43\r\n"
    "Connection: close\r\n\r\n{\"error\":\"too many admin connections, retry\"}";

using Response = http::response<http::string_body>;

Response reply(http::status status, std::string_view type, std::string body) {
  Response res;
  res.result(status);
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  res.body() = std::move(body);
  return res;
}

Response json_reply(http::status status, const json& j) { return reply(status, "application/json", dump(j) + "\n"); }
Response error_reply(http::status status, std::string_view why) { return json_reply(status, {{"error", why}}); }

}  // namespace

AdminHttp::AdminHttp(asio::io_context& ctx, const tcp::endpoint& ep, const ServerConfig& config,
                     StatusSource& source, Gate& gate, AdminStats& stats)
    : ctx_(ctx), config_(config), source_(source), gate_(gate), stats_(stats), acceptor_(ctx),
      feed_(ctx, source, stats) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(ep.port() != 0));
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  feed_.connect_shards();
}

void AdminHttp::start() {
  asio::co_spawn(
      ctx_,
      accept_each(
          acceptor_, "admin port",
          [this](tcp::socket s) {
            // A bound of its own, so that strangers holding admin
            // connections can't grow memory; scrapes get 503, not silence.
            if (static_cast<std::size_t>(stats_.connections.get()) >= config_.max_admin_connections) {
              refuse_now(s.release(), kBusy);
              return;
            }
            asio::co_spawn(ctx_, serve(std::move(s)), detached_logged);
          },
          [](int fd) { refuse_now(fd, kBusy); }),
      detached_logged);
  asio::co_spawn(ctx_, tick_loop(), detached_logged);
}

asio::awaitable<void> AdminHttp::tick_loop() {
  asio::steady_timer t(ctx_);
  for (;;) {
    source_.sample();
    feed_.tick();
    t.expires_after(kTickEvery);
    auto [ec] = co_await t.async_wait(use_tuple);
    if (ec) co_return;
  }
}

asio::awaitable<void> AdminHttp::serve(tcp::socket sock) {
  struct Open {  // AdminStats::connections, however this ends
    Gauge& g;
    explicit Open(Gauge& gauge) : g(gauge) { g.add(1); }
    ~Open() { g.add(-1); }
  } open(stats_.connections);
  beast::flat_buffer buf(kMaxRequest);
  // Actions are POSTs; a body is read (bounded) and ignored.
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxRequest);
  parser.body_limit(kMaxRequest);
  asio::steady_timer deadline(ctx_, kRequestDeadline);
  auto result = co_await (http::async_read(sock, buf, parser, use_tuple) || deadline.async_wait(use_tuple));
  if (result.index() != 0 || std::get<0>(std::get<0>(result))) co_return;  // timed out or malformed
  const auto& req = parser.get();
  const AdminRequest ar = parse_admin_target(std::string_view(req.target().data(), req.target().size()));
  using E = AdminRequest::Endpoint;

  // Who is asking: a token is judged as on the client port, failed-token
  // delay included (else this port would be a free oracle for guessing).
  std::optional<auth::Credential> credential;
  std::optional<std::string> token;
  if (auto it = req.find(http::field::authorization); it != req.end())
    token = bearer_token(std::string_view(it->value().data(), it->value().size()));
  bool unknown_token = false;
  if (token && gate_.auth_on()) {
    boost::system::error_code ec;
    const auto peer = sock.remote_endpoint(ec).address();
    if (const auto delay = gate_.failure_delay(peer, Clock::now()); delay.count() > 0) {
      asio::steady_timer wait(ctx_, delay);
      co_await wait.async_wait(use_tuple);
    }
    if (auto table = gate_.table()) credential = table->identify_token(*token);
    if (!credential) {
      unknown_token = true;
      gate_.note_failure(peer, Clock::now());
      log_info(fmt::format("admin port: {} refused: unknown token", ec ? std::string("?") : peer.to_string()));
    }
  }
  auto payloads_for = [&](const std::string& ring) {
    if (!gate_.auth_on()) return true;
    auto table = gate_.table();
    return credential && table && (table->roles(*credential, ring) & auth::watcher) != 0;
  };

  Response res;
  const bool post = req.method() == http::verb::post;
  if (ar.endpoint == E::action && !post) {
    res = error_reply(http::status::method_not_allowed, "an action is a POST");
    res.set(http::field::allow, "POST");
  } else if (ar.endpoint != E::action && req.method() != http::verb::get && req.method() != http::verb::head) {
    res = error_reply(http::status::method_not_allowed, "GET only");
    res.set(http::field::allow, "GET, HEAD");
  } else if (!ar.error.empty()) {
    res = error_reply(http::status::bad_request, ar.error);
  } else if (unknown_token) {
    res = error_reply(http::status::unauthorized, "unknown token");
    res.set(http::field::www_authenticate, "Bearer");
  } else {
    switch (ar.endpoint) {
      case E::livez:
        res = reply(http::status::ok, "text/plain", "ok\n");
        break;
      case E::readyz: {
        const bool ready = source_.ready();
        res = reply(ready ? http::status::ok : http::status::service_unavailable, "text/plain",
                    ready ? "ok\n" : "draining\n");
        break;
      }
      case E::page:
        res = reply(http::status::ok, "text/html; charset=utf-8", std::string(kStatusPage));
        res.set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
        break;
      case E::metrics:
        res = reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", source_.metrics());
        break;
      case E::status:
        res = json_reply(http::status::ok, source_.status());
        break;
      case E::rings: {
        bool more = false;
        auto rings = co_await source_.rings(ar.after, ar.limit, &more);
        json list = json::array();
        for (const auto& r : rings) list.push_back(ring_json(r));
        const json next = more && !rings.empty() ? json(rings.back().name) : json(nullptr);
        res = json_reply(http::status::ok, {{"rings", std::move(list)}, {"next", next}});
        break;
      }
      case E::ring: {
        auto detail = co_await source_.ring(ar.ring);
        res = detail ? json_reply(http::status::ok, ring_detail_json(*detail, payloads_for(ar.ring)))
                     : error_reply(http::status::not_found, "no ring named " + ar.ring);
        break;
      }
      case E::events: {
        if (!source_.ready()) {
          res = error_reply(http::status::service_unavailable, "draining");
        } else if (static_cast<std::size_t>(stats_.streams.get()) >= config_.max_admin_streams) {
          res = error_reply(http::status::service_unavailable, "too many event streams (--max-admin-streams)");
        } else if (req.method() == http::verb::get) {
          auto after = ar.after_turn;
          if (auto it = req.find("Last-Event-ID"); it != req.end() && !ar.ring.empty())
            if (auto t = parse_turn(std::string_view(it->value().data(), it->value().size()))) after = t;
          const bool payloads = !ar.ring.empty() && payloads_for(ar.ring);
          co_await feed_.serve(std::move(sock), ar.ring, payloads, after);
          co_return;
        } else {
          res = reply(http::status::ok, "text/event-stream", "");
        }
        break;
      }
      case E::action: {
        auto done = co_await action(sock, ar.ring, ar.action, credential);
        res = reply(static_cast<http::status>(done.status), "application/json", std::move(done.body));
        break;
      }
      case E::not_found:
        res = error_reply(http::status::not_found, "not found");
        break;
    }
  }
  res.version(req.version());
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // the length stays that of the GET
  asio::steady_timer write_deadline(ctx_, kResponseDeadline);
  co_await (http::async_write(sock, res, use_tuple) || write_deadline.async_wait(use_tuple));
  boost::system::error_code ec;
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace baton::server

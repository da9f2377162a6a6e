#include "admin_client.hpp"

#include <sysexits.h>

#include <array>
#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

namespace baton::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// /rings?limit=1000 is a few hundred KiB; anything far past that is not the admin API.
constexpr std::size_t kMaxJsonBody = 16u << 20;
// A refusal on the stream path is a one-line JSON error.
constexpr std::size_t kMaxErrorBody = 64u << 10;
constexpr std::size_t kReadChunk = 16u << 10;

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// The server's {"error":"..."} if it sent one, else the status's reason phrase.
std::string refusal_text(unsigned status, std::string_view reason, const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  return reason.empty() ? "HTTP " + std::to_string(status) : std::string(reason);
}

}  // namespace

std::string AdminTarget::where() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

int exit_code_for_status(unsigned status) {
  switch (status) {
    case 401:
    case 403:
      return EX_NOPERM;
    case 503:
      return EX_UNAVAILABLE;
    default:
      return EX_SOFTWARE;
  }
}

struct AdminClient::Impl {
  AdminTarget target;
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::optional<asio::signal_set> signals;
  bool stopped = false;

  explicit Impl(AdminTarget t) : target(std::move(t)) {}

  // Runs one asynchronous operation to its end. The io_context is driven one
  // handler at a time because a pending signal wait would keep run() from
  // ever returning.
  template <class Start>
  error_code run(Start&& start) {
    bool done = false;
    error_code result;
    start([&](error_code ec, auto&&...) {
      done = true;
      result = ec;
    });
    while (!done) {
      if (io.stopped()) io.restart();
      io.run_one();
    }
    return result;
  }

  [[noreturn]] void unreachable(const std::string& what, error_code ec) const {
    if (ec == beast::error::timeout)
      throw CtlError(EX_UNAVAILABLE, "the admin port at " + target.where() + " did not answer within " +
                                         seconds_text(target.timeout) + " (" + what + ")");
    if (ec == http::error::end_of_stream || ec == asio::error::connection_reset)
      throw CtlError(EX_UNAVAILABLE, "the admin port at " + target.where() + " closed the connection before " +
                                         "answering (" + what + ")");
    throw CtlError(EX_UNAVAILABLE, "can't reach the admin port at " + target.where() + ": " + what + ": " +
                                       ec.message());
  }

  void connect() {
    error_code ec;
    beast::close_socket(stream.socket());
    buffer.clear();
    // Resolution is synchronous and so not under the deadline: an address is
    // the usual --admin, and a name resolves from the local resolver.
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(target.host, target.port, tcp::resolver::numeric_service, ec);
    if (ec) unreachable("resolving " + target.host, ec);
    stream.expires_after(target.timeout);
    ec = run([&](auto h) { stream.async_connect(endpoints, h); });
    if (ec) unreachable("connecting", ec);
  }

  void send(http::verb verb, std::string_view path, std::string_view accept, const std::string& last_event_id) {
    http::request<http::empty_body> req{verb, path, 11};
    req.set(http::field::host, target.where());
    req.set(http::field::user_agent, "baton-ctl");
    req.set(http::field::accept, accept);
    if (!target.token.empty()) req.set(http::field::authorization, "Bearer " + target.token);
    if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
    // Servers and proxies may answer a POST without Content-Length with 411 Length Required.
    if (verb == http::verb::post) req.content_length(0);
    req.keep_alive(false);
    stream.expires_after(target.timeout);
    const auto ec = run([&](auto h) { http::async_write(stream, req, h); });
    if (ec) unreachable("sending the request", ec);
  }

  // Silence or a hang-up is the server not answering; anything else is an answer that is not HTTP.
  [[noreturn]] void read_failed(std::string_view path, error_code ec) const {
    if (ec == beast::error::timeout || ec == asio::error::connection_reset || ec == http::error::end_of_stream)
      unreachable("reading the response to " + std::string(path), ec);
    throw CtlError(EX_SOFTWARE, "a malformed response to " + std::string(path) + ": " + ec.message());
  }

  [[noreturn]] void refused(std::string_view path, unsigned status, std::string_view reason,
                            const std::string& body) const {
    std::string what = std::to_string(status) + " on " + std::string(path) + ": " + refusal_text(status, reason, body);
    if (status == 401 || status == 403) what += " (check --token, --token-file, BATON_TOKEN, BATON_TOKEN_FILE)";
    if (status == 503) what = "the server is unavailable: " + what;
    throw CtlError(exit_code_for_status(status), what, status);
  }
};

AdminClient::AdminClient(AdminTarget target) : impl_(std::make_unique<Impl>(std::move(target))) {}
AdminClient::~AdminClient() = default;

JsonReply AdminClient::get_json(std::string_view path) { return request_json(false, path); }
JsonReply AdminClient::post_json(std::string_view path) { return request_json(true, path); }

JsonReply AdminClient::request_json(bool post, std::string_view path) {
  auto& m = *impl_;
  m.connect();
  m.send(post ? http::verb::post : http::verb::get, path, "application/json", {});
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxJsonBody);
  m.stream.expires_after(m.target.timeout);
  const auto ec = m.run([&](auto h) { http::async_read(m.stream, m.buffer, parser, h); });
  beast::close_socket(m.stream.socket());
  if (ec) m.read_failed(path, ec);
  auto& res = parser.get();
  const unsigned status = res.result_int();
  if (status != 200) m.refused(path, status, res.reason(), res.body());
  JsonReply reply;
  reply.json = nlohmann::json::parse(res.body(), nullptr, false);
  if (reply.json.is_discarded())
    throw CtlError(EX_SOFTWARE, "the response to " + std::string(path) + " is not JSON");
  reply.body = std::move(res.body());
  return reply;
}

StreamEnd AdminClient::stream(std::string_view path, const std::string& last_event_id,
                              std::chrono::milliseconds idle, const OnBytes& on_bytes) {
  auto& m = *impl_;
  if (m.stopped) return StreamEnd::stopped;
  try {
    m.connect();
    m.send(http::verb::get, path, "text/event-stream", last_event_id);
  } catch (const CtlError&) {
    if (m.stopped) return StreamEnd::stopped;  // the signal closed the socket under us
    throw;
  }
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // a stream has no end; SseReader bounds what it holds
  m.stream.expires_after(m.target.timeout);
  auto ec = m.run([&](auto h) { http::async_read_header(m.stream, m.buffer, parser, h); });
  if (m.stopped) return StreamEnd::stopped;
  if (ec) m.read_failed(path, ec);
  const unsigned status = parser.get().result_int();
  std::array<char, kReadChunk> chunk{};
  const auto read_some = [&](std::chrono::steady_clock::duration deadline) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    m.stream.expires_after(deadline);
    auto e = m.run([&](auto h) { http::async_read_some(m.stream, m.buffer, parser, h); });
    if (e == http::error::need_buffer) e = {};
    return std::pair{e, chunk.size() - parser.get().body().size};
  };
  if (status != 200) {
    std::string body;
    while (!parser.is_done() && body.size() < kMaxErrorBody) {
      const auto [e, n] = read_some(m.target.timeout);
      body.append(chunk.data(), n);
      if (e) break;
    }
    m.refused(path, status, parser.get().reason(), body);
  }
  const auto type = parser.get()[http::field::content_type];
  if (!type.starts_with("text/event-stream"))
    throw CtlError(EX_SOFTWARE, "the response to " + std::string(path) + " is not an event stream (" +
                                    std::string(type) + ")");
  while (!parser.is_done()) {
    const auto [e, n] = read_some(idle);
    if (n > 0 && !on_bytes(std::string_view(chunk.data(), n))) {
      beast::close_socket(m.stream.socket());
      return StreamEnd::stopped;
    }
    if (m.stopped) return StreamEnd::stopped;
    if (e == beast::error::timeout) {
      beast::close_socket(m.stream.socket());
      return StreamEnd::idle;
    }
    if (e) break;
  }
  beast::close_socket(m.stream.socket());
  return StreamEnd::closed;
}

void AdminClient::stop_on_signals() {
  auto& m = *impl_;
  m.signals.emplace(m.io, SIGINT, SIGTERM);
  m.signals->async_wait([&m](error_code ec, int) {
    if (ec) return;
    m.stopped = true;
    m.stream.cancel();
    beast::close_socket(m.stream.socket());
  });
}

bool AdminClient::stopped() const { return impl_->stopped; }

bool AdminClient::pause(std::chrono::milliseconds d) {
  auto& m = *impl_;
  asio::steady_timer timer(m.io, d);
  bool done = false;
  timer.async_wait([&](error_code) { done = true; });
  // The signal's handler doesn't know this timer: look for its flag after each handler.
  while (!done) {
    if (m.stopped) timer.cancel();
    if (m.io.stopped()) m.io.restart();
    m.io.run_one();
  }
  return !m.stopped;
}

}  // namespace baton::ctl

#include "server/admin_http.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/accept.hpp"
#include "server/farewell.hpp"
#include "server/log.hpp"

namespace baton::server {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr std::size_t kMaxRequest = 8 * 1024;                  // a probe's request is a few hundred bytes
constexpr auto kRequestDeadline = std::chrono::seconds(5);     // a silent peer does not keep a socket
}  // namespace

AdminHttp::AdminHttp(asio::io_context& ctx, const tcp::endpoint& ep, std::function<bool()> ready)
    : ctx_(ctx), acceptor_(ctx), ready_(std::move(ready)) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(ep.port() != 0));
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
}

void AdminHttp::start() {
  asio::co_spawn(ctx_,
                 accept_each(
                     acceptor_, "admin port",
                     [this](tcp::socket s) { asio::co_spawn(ctx_, serve(std::move(s)), detached_logged); },
                     [](int fd) {
                       refuse_now(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                      "Connection: close\r\n\r\n");
                     }),
                 detached_logged);
}

void AdminHttp::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> AdminHttp::serve(tcp::socket sock) {
  beast::flat_buffer buf(kMaxRequest);
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kMaxRequest);
  asio::steady_timer deadline(ctx_, kRequestDeadline);
  auto result = co_await (http::async_read(sock, buf, parser, use_tuple) || deadline.async_wait(use_tuple));
  if (result.index() != 0 || std::get<0>(std::get<0>(result))) co_return;  // timed out or malformed
  const auto& req = parser.get();
  http::response<http::string_body> res;
  res.version(req.version());
  res.set(http::field::content_type, "text/plain");
  res.keep_alive(false);
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.body() = "GET only\n";
  } else if (req.target() == "/livez") {
    res.result(http::status::ok);
    res.body() = "ok\n";
  } else if (req.target() == "/readyz") {
    const bool ready = ready_();
    res.result(ready ? http::status::ok : http::status::service_unavailable);
    res.body() = ready ? "ok\n" : "draining\n";
  } else {
    res.result(http::status::not_found);
    res.body() = "not found\n";
  }
  res.prepare_payload();
  co_await http::async_write(sock, res, use_tuple);
  boost::system::error_code ec;
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace baton::server

#include "client/connection.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include <array>

#include <boost/asio/connect.hpp>

#include "baton/client.hpp"
#include "client/tls_stream.hpp"

namespace baton::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// What drain() reads at most, so that a server flooding a dying connection
// cannot keep us there; an ERROR line comes last and the server sends little before it.
constexpr std::size_t kMaxDrain = 64 * 1024;

}  // namespace

Connection::Connection() = default;
Connection::~Connection() = default;

void Connection::configure_tls(const ClientOptions& opt) { tls_ = std::make_unique<TlsStream>(opt); }

void Connection::connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  tls_refused_ = false;
  // A new socket has no receive timeout yet, whatever the last one had.
  rcv_timeout_ = std::chrono::milliseconds(-1);
  tcp::resolver resolver(ctx_);
  boost::system::error_code result = asio::error::timed_out;
  resolver.async_resolve(host, std::to_string(port), [&](const boost::system::error_code& ec, tcp::resolver::results_type r) {
    if (ec) {
      result = ec;
      return;
    }
    asio::async_connect(socket_, r, [&](const boost::system::error_code& cec, const tcp::endpoint&) { result = cec; });
  });
  ctx_.run_for(timeout);
  if (!ctx_.stopped()) {  // timed out: cancel what is pending and let it finish
    resolver.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    ctx_.run();
  }
  ctx_.restart();
  if (result) {
    close();
    throw Error(Error::Kind::unavailable, "",
                "cannot connect to " + host + ":" + std::to_string(port) + ": " + result.message());
  }
  {
    // A client retrying a loopback port nobody listens on can be handed
    // that very port as its own (TCP simultaneous open): it is then
    // connected to itself, and holds the port the restarting server needs.
    boost::system::error_code a, b;
    const auto local = socket_.local_endpoint(a), remote = socket_.remote_endpoint(b);
    if (!a && !b && local == remote) {
      close();
      throw Error(Error::Kind::unavailable, "",
                  "cannot connect to " + host + ":" + std::to_string(port) + ": connected to itself (nobody listens)");
    }
  }
  socket_.set_option(tcp::no_delay(true));  // one small message per turn: send it now
  const int fd = socket_.native_handle();
  if (tls_) {  // TLS keeps the descriptor non-blocking: TlsStream waits in poll()
    try {
      tls_->handshake(fd, host + ":" + std::to_string(port), timeout);
    } catch (...) {
      tls_refused_ = tls_->refused();
      close();
      throw;
    }
    return;
  }
  // From here on the client does plain blocking I/O on the descriptor: one
  // syscall per read or write (Asio left it non-blocking for its async connect).
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

bool Connection::read_some(std::string& out, std::chrono::milliseconds timeout) {
  if (tls_) {
    try {
      return tls_->read_some(out, timeout);
    } catch (...) {
      tls_refused_ = tls_->refused();
      throw;
    }
  }
  // A blocking recv with SO_RCVTIMEO: one syscall per read on the hot path
  // (poll + read would be two); the option is only set when the timeout changes.
  const int fd = socket_.native_handle();
  if (timeout != rcv_timeout_) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;  // 0 would mean "forever"
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    rcv_timeout_ = timeout;
  }
  std::array<char, 4096> buf{};
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n > 0) {
    out.append(buf.data(), static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  throw Error(Error::Kind::closed, "",
              n == 0 ? "the server closed the connection" : std::string("connection lost: ") + std::strerror(errno));
}

void Connection::write_all(std::string_view bytes) {
  if (tls_) return tls_->write_all(bytes);
  while (!bytes.empty()) {
    const ssize_t n = ::send(socket_.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(Error::Kind::closed, "", std::string("connection lost: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string Connection::drain() {
  std::string got;
  if (!socket_.is_open()) return got;
  if (tls_) return tls_->drain(kMaxDrain);
  std::array<char, 4096> buf{};
  while (got.size() < kMaxDrain) {
    const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      got.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN (nothing more yet), end of stream, or an error: done either way
  }
  return got;
}

void Connection::close() noexcept {
  if (tls_) {
    tls_->close_notify();
    tls_.reset();
  }
  boost::system::error_code ec;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
}

}  // namespace baton::detail

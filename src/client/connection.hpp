// Blocking TCP transport for the client library, with deadlines: connect with
// a timeout, read with a timeout (so the client can send heartbeats while it
// waits), write everything, and salvage unread bytes once the connection
// fails. Plain, or TLS (TlsStream) with the same behaviour: the protocol
// engine above never knows which. Thread: owned by one Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace baton {
struct ClientOptions;
}

namespace baton::detail {

class TlsStream;

class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The next connect() runs a TLS handshake (opt.tls_*). Throws
  // baton::Error{usage} if the CA, certificate or key can't be used.
  void configure_tls(const ClientOptions& opt);
  // Throws baton::Error{unavailable}. With TLS, the handshake follows the TCP
  // connect, bounded by timeout afresh. May follow close(): a new connection
  // (with TLS, configure_tls() again first).
  void connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
  // The last TLS connection failed because a side refused the other (a
  // certificate that does not verify, an alert, not TLS at all), not because
  // the network failed: trying again can't help. Cleared by connect().
  bool tls_refused() const noexcept { return tls_refused_; }
  // Appends what arrives to out. Returns false if nothing came within timeout.
  // Throws baton::Error{closed} on end of stream or a socket error.
  bool read_some(std::string& out, std::chrono::milliseconds timeout);
  // Throws baton::Error{closed}.
  void write_all(std::string_view bytes);
  // After a failed read or write: whatever the server sent before it went
  // away and is still unread (its last word may be an ERROR line), read
  // without blocking until nothing is left, end of stream or an error.
  std::string drain();
  // TLS: sends close_notify first, without waiting for the server's.
  void close() noexcept;
  bool is_open() const noexcept { return socket_.is_open(); }

 private:
  boost::asio::io_context ctx_{1};
  boost::asio::ip::tcp::socket socket_{ctx_};
  std::chrono::milliseconds rcv_timeout_{-1};
  std::unique_ptr<TlsStream> tls_;  // null: plain TCP
  bool tls_refused_ = false;
};

}  // namespace baton::detail

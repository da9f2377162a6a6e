// A connection's byte stream: a plain TCP socket, or TLS over one (Asio's
// ssl::stream). The handshake and the session read and write through it and
// need not know which. Plain writes may go out directly from the event loop
// (no wake-up); TLS writes always go through the asynchronous path, because
// an OpenSSL record cut short by a full socket can't be half-written.
//
// A TLS link moves between threads once, after its handshake: release() hands
// out the descriptor and the SSL state (nothing may be in flight), and the
// shard of its ring builds a new Link from them on its own io_context.
// Thread: one Link is used by one thread at a time (its executor's).
#pragma once

#include <memory>
#include <optional>

#include "server/asio.hpp"
#include "server/tls_context.hpp"

namespace baton::server {

class Link {
 public:
  explicit Link(tcp::socket plain);
  // TLS, before its handshake.
  Link(tcp::socket sock, ssl::context& ctx);
  // TLS, handshake done elsewhere (see release()).
  Link(tcp::socket sock, SslHandle ssl);
  Link(Link&&) = default;
  Link& operator=(Link&&) = delete;

  bool tls() const noexcept { return tls_.has_value(); }
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : plain_; }
  bool is_open() const noexcept { return tls_ ? tls_->next_layer().is_open() : plain_.is_open(); }
  SSL* ssl() noexcept { return tls_ ? tls_->native_handle() : nullptr; }

  // Asynchronous operations taking any completion token (e.g. use_tuple).
  // The completion handler goes straight to the socket's or the TLS stream's
  // own operation: a read on the turn path costs no coroutine frame of ours.
  // The TLS server handshake (plain: completes at once, without error).
  template <class Token>
  auto async_handshake(Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) {
          if (tls_) {
            tls_->async_handshake(ssl::stream_base::server, std::move(handler));
          } else {
            auto ex = asio::get_associated_executor(handler, plain_.get_executor());
            asio::post(ex, [h = std::move(handler)]() mutable { std::move(h)(boost::system::error_code{}); });
          }
        },
        token);
  }
  template <class Token>
  auto async_read_some(asio::mutable_buffer b, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, asio::mutable_buffer buf) {
          if (tls_) tls_->async_read_some(buf, std::move(handler));
          else plain_.async_read_some(buf, std::move(handler));
        },
        token, b);
  }
  // The whole buffer, or an error.
  template <class Token>
  auto async_write_all(asio::const_buffer b, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, asio::const_buffer buf) {
          if (tls_) asio::async_write(*tls_, buf, std::move(handler));
          else asio::async_write(plain_, buf, std::move(handler));
        },
        token, b);
  }
  // Writes what the socket takes now without waiting: plain only; TLS writes
  // nothing (returns 0) and leaves it to write_all.
  std::size_t try_write(asio::const_buffer b, boost::system::error_code& ec);
  // Bytes readable now without waiting (received or, TLS, already decrypted).
  std::size_t available();
  // FIN after what was written (TLS: without close_notify; the peer reads
  // our last line and then EOF).
  void shutdown_send();
  void close();

  struct Released {
    int fd = -1;
    bool v6 = false;
    SslHandle ssl;
  };
  // Gives up the socket (and TLS state). TLS: nullopt if encrypted bytes are
  // still buffered in either direction (they would be lost in the move).
  std::optional<Released> release();

 private:
  tcp::socket plain_;
  std::optional<ssl::stream<tcp::socket>> tls_;
};

}  // namespace baton::server

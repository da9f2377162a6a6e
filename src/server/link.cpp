#include "server/link.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>

namespace baton::server {

Link::Link(tcp::socket plain) : plain_(std::move(plain)) {}

Link::Link(tcp::socket sock, ssl::context& ctx) : plain_(sock.get_executor()) {
  tls_.emplace(std::move(sock), ctx);
}

Link::Link(tcp::socket sock, SslHandle ssl) : plain_(sock.get_executor()) {
  // Asio's engine takes over the handle (and frees it) and gives it a fresh
  // BIO pair; release() made sure the old pair held nothing.
  tls_.emplace(std::move(sock), ssl.release());
}

std::size_t Link::try_write(asio::const_buffer b, boost::system::error_code& ec) {
  ec = {};
  if (tls_) return 0;
  return plain_.write_some(b, ec);
}

std::size_t Link::available() {
  boost::system::error_code ec;
  std::size_t n = socket().available(ec);
  if (tls_) n += static_cast<std::size_t>(SSL_pending(tls_->native_handle()));
  return n;
}

void Link::shutdown_send() {
  boost::system::error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
}

void Link::close() {
  boost::system::error_code ec;
  auto& s = socket();
  if (!s.is_open()) return;
  s.shutdown(tcp::socket::shutdown_both, ec);
  s.close(ec);
}

std::optional<Link::Released> Link::release() {
  Released r;
  boost::system::error_code ec;
  r.v6 = socket().local_endpoint(ec).address().is_v6();
  if (tls_) {
    SSL* s = tls_->native_handle();
    BIO* bio = SSL_get_rbio(s);
    // Ciphertext that arrived but was not decrypted yet, or ciphertext not
    // yet sent: both live in the BIO pair the move replaces.
    if (BIO_ctrl_pending(bio) > 0 || BIO_ctrl_wpending(bio) > 0) return std::nullopt;
    SSL_up_ref(s);  // the stream's engine frees its reference below; this one travels
    r.ssl.reset(s);
    r.fd = tls_->next_layer().release(ec);
    tls_.reset();
  } else {
    r.fd = plain_.release(ec);
  }
  if (ec) return std::nullopt;
  return r;
}

}  // namespace baton::server

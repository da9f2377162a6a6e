// The TLS listener's credentials (--tls-cert, --tls-key, --tls-client-ca),
// built into an OpenSSL context through Asio's ssl::context. TLS 1.2 or newer
// only; with a client CA, a peer without a certificate from it fails the
// handshake. A reload builds a new context: handshakes in flight keep the old
// one (shared ownership), new ones get the new.
// Thread: make_tls_context() on any thread; a context is then only read.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/ssl.hpp>

#include "server/asio.hpp"

namespace baton::server {

namespace ssl = asio::ssl;

struct TlsFiles {
  std::string cert;       // PEM: the server's certificate (chain)
  std::string key;        // PEM: its private key
  std::string client_ca;  // PEM: CA(s) client certificates must come from; empty: none asked for
};

// A TLS file that can't be read or used (the message names flag, file and reason).
class TlsFilesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws TlsFilesError.
std::shared_ptr<ssl::context> make_tls_context(const TlsFiles& files);

// The names a verified peer certificate carries: its subject CN and its DNS
// SANs. Empty without a verified certificate.
std::vector<std::string> peer_names(SSL* ssl);

// Frees an SSL handle that changes hands between threads (Handoff).
struct SslFree {
  void operator()(SSL* s) const noexcept;
};
using SslHandle = std::unique_ptr<SSL, SslFree>;

}  // namespace baton::server

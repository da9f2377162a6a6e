// TLS (OpenSSL) under the client's Connection: the same four operations as
// the plain socket (read with a timeout, write everything, drain what is left,
// close), so the protocol engine above cannot tell the two apart.
//
// The socket is non-blocking and every wait is a poll() bounded by the
// caller's deadline. Why not block in SSL_read as the plain path blocks in
// recv: a TLS record can arrive in pieces, and a blocking SSL_read would wait
// out a receive timeout per piece. Reads always ask OpenSSL first and poll
// only when it wants more bytes: a record holds several lines, and what
// OpenSSL has buffered is readable although poll() says the socket is not.
// Thread: owned by one Connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "baton/client.hpp"

namespace baton::detail {

class TlsStream {
 public:
  // Loads the trust anchors (tls_ca, or the system's store) and this client's
  // certificate and key, if given. Throws Error{usage} if they can't be used.
  explicit TlsStream(const ClientOptions& opt);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // The client's handshake on a connected socket (made non-blocking here),
  // verifying the server's chain and name, within timeout. `peer` (host:port)
  // names the server in messages. Throws Error{unavailable}.
  void handshake(int fd, const std::string& peer, std::chrono::milliseconds timeout);

  // As Connection's: false if no data came within timeout; Error{closed} at
  // the end of the stream (close_notify, or the server just closing TCP) or on
  // an error. Error{unavailable} for a TLS alert before any data: with TLS 1.3
  // the server checks our certificate after our side of the handshake is done,
  // and a refusal arrives as the first read.
  bool read_some(std::string& out, std::chrono::milliseconds timeout);
  void write_all(std::string_view bytes);
  std::string drain(std::size_t max_bytes);

  // Sends close_notify if the session is sound; never waits for the answer.
  void close_notify() noexcept;

  // The handshake (or, TLS 1.3, the server's verdict on our certificate in
  // the first read) failed inside TLS: a certificate, an alert, a peer that
  // does not speak TLS. Not the network: connecting again would fail again.
  bool refused() const noexcept { return refused_; }

 private:
  struct FreeCtx {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
  };
  struct FreeSsl {
    void operator()(SSL* s) const noexcept { SSL_free(s); }
  };

  void set_expected_name(const std::string& name);
  // Whether a failure with SSL_get_error() code `err` is a refusal (see
  // refused()); before failure(), which clears OpenSSL's error queue.
  bool is_refusal(int err) const;
  // Why the last SSL call failed with SSL_get_error() code `err`, in words.
  std::string failure(int err);
  // The message of Error{closed} for a session that failed after the handshake.
  std::string lost(int err);

  std::unique_ptr<SSL_CTX, FreeCtx> ctx_;
  std::unique_ptr<SSL, FreeSsl> ssl_;
  std::string name_;  // what the server's certificate must name
  std::string peer_;  // host:port, for messages
  int fd_ = -1;
  bool established_ = false;  // the handshake completed
  bool heard_ = false;        // application data arrived
  bool broken_ = false;       // a fatal error: OpenSSL forbids close_notify after it
  bool refused_ = false;
};

}  // namespace baton::detail

#include "client/tls_stream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "client/tls_socket.hpp"

namespace baton::detail {

namespace {

using clock_type = std::chrono::steady_clock;

// One whole TLS record (at most 16 KiB of data) per SSL_read.
constexpr std::size_t kReadChunk = 16 * 1024;
// SSL_write takes an int length: bytes go in pieces of this (a v1 line is at most 4 KiB anyway).
constexpr std::size_t kWriteChunk = 16 * 1024;

Error usage(const std::string& what) { return Error(Error::Kind::usage, "", "TLS: " + what); }

// The first reason OpenSSL queued (the root cause, e.g. "No such file or
// directory" before "system lib"), then clears the queue so that it can't
// leak into the next call's diagnosis.
std::string queued_reason() {
  const unsigned long code = ERR_peek_error();
  std::string reason;
  if (code != 0 && ERR_SYSTEM_ERROR(code)) {  // e.g. fopen() failed: its errno says it best
    reason = std::strerror(static_cast<int>(ERR_GET_REASON(code)));
  } else if (code != 0) {
    if (const char* r = ERR_reason_error_string(code)) {
      reason = r;
    } else {
      std::array<char, 256> text{};
      ERR_error_string_n(code, text.data(), text.size());
      reason = text.data();
    }
    // Details, e.g. "Expecting: TRUSTED CERTIFICATE" after "no start line".
    const char* data = nullptr;
    int flags = 0;
    if (ERR_peek_error_data(&data, &flags) != 0 && (flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0')
      reason += std::string(" (") + data + ")";
  }
  ERR_clear_error();
  return reason.empty() ? "unknown error" : reason;
}

// OpenSSL's default would prompt on the terminal for a key's passphrase: a
// library must not, so an encrypted key fails to load; *asked records why.
int no_passphrase(char*, int, int, void* asked) {
  if (asked != nullptr) *static_cast<bool*>(asked) = true;
  return 0;
}

bool is_ip_address(const std::string& s) {
  std::array<unsigned char, sizeof(in6_addr)> addr{};
  return ::inet_pton(AF_INET, s.c_str(), addr.data()) == 1 || ::inet_pton(AF_INET6, s.c_str(), addr.data()) == 1;
}

}  // namespace

TlsStream::TlsStream(const ClientOptions& opt)
    : name_(opt.tls_server_name.empty() ? opt.host : opt.tls_server_name) {
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) throw std::runtime_error("TLS: cannot create a context: " + queued_reason());
  SSL_CTX* ctx = ctx_.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A server that closes TCP without close_notify (baton-server does, after
  // an ERROR line) ends the stream as an EOF, not an error. Truncation can't
  // forge anything: a line counts only once its '\n' arrived, and the ERROR
  // line before the close is what the caller must see.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  bool passphrase_asked = false;
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &passphrase_asked);
  if (opt.tls_ca.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) throw usage("cannot load the system's trust store: " + queued_reason());
  } else if (SSL_CTX_load_verify_locations(ctx, opt.tls_ca.c_str(), nullptr) != 1) {
    throw usage("cannot load CA file " + opt.tls_ca + ": " + queued_reason());
  }
  if (opt.tls_cert.empty() != opt.tls_key.empty()) throw usage("a client certificate needs its key, and a key its certificate");
  if (!opt.tls_cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, opt.tls_cert.c_str()) != 1)
      throw usage("cannot load certificate " + opt.tls_cert + ": " + queued_reason());
    const bool loaded = SSL_CTX_use_PrivateKey_file(ctx, opt.tls_key.c_str(), SSL_FILETYPE_PEM) == 1;
    // OpenSSL 3 checks the key against the certificate while loading it; the
    // explicit check is for a library that would not.
    const bool mismatch = loaded ? SSL_CTX_check_private_key(ctx) != 1
                                 : ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    if (mismatch) {
      ERR_clear_error();
      throw usage("key " + opt.tls_key + " does not match certificate " + opt.tls_cert);
    }
    if (!loaded) {
      if (passphrase_asked) {
        ERR_clear_error();
        throw usage("key " + opt.tls_key + " is encrypted: a key with a passphrase is not supported");
      }
      throw usage("cannot load key " + opt.tls_key + ": " + queued_reason());
    }
  }
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);  // passphrase_asked ends here
  ssl_.reset(SSL_new(ctx));
  if (!ssl_) throw std::runtime_error("TLS: cannot create a session: " + queued_reason());
  set_expected_name(name_);
}

TlsStream::~TlsStream() = default;

void TlsStream::set_expected_name(const std::string& name) {
  SSL* ssl = ssl_.get();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // An address is checked against the certificate's IP entries; SNI carries
  // DNS names only (RFC 6066), so an address is not sent there.
  const bool ok = !name.empty() && (is_ip_address(name) ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1
                                                        : SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
                                                              SSL_set1_host(ssl, name.c_str()) == 1);
  if (!ok) {
    ERR_clear_error();
    throw usage("cannot check the server's certificate for the name \"" + name + "\"");
  }
}

void TlsStream::handshake(int fd, const std::string& peer, std::chrono::milliseconds timeout) {
  fd_ = fd;
  peer_ = peer;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  BIO* bio = new_socket_bio(fd);
  if (bio == nullptr) throw std::runtime_error("TLS: cannot create a BIO: " + queued_reason());
  SSL_set_bio(ssl_.get(), bio, bio);  // the session owns it now
  // A fresh budget, like each step of the handshake after it: the TCP connect
  // may have used most of its own.
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    ERR_clear_error();
    const int r = SSL_connect(ssl_.get());
    if (r == 1) break;
    const int err = SSL_get_error(ssl_.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (wait_for(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) continue;
      broken_ = true;
      throw Error(Error::Kind::unavailable, "",
                  "TLS handshake with " + peer + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    broken_ = true;
    refused_ = is_refusal(err);
    throw Error(Error::Kind::unavailable, "", "TLS handshake with " + peer + " failed: " + failure(err));
  }
  established_ = true;
}

bool TlsStream::is_refusal(int err) const {
  if (err != SSL_ERROR_SSL) return false;
  if (SSL_get_verify_result(ssl_.get()) != X509_V_OK) return true;
  // An alert from the server (e.g. "certificate required"): OpenSSL files
  // each alert under its own reason code, from SSL_AD_REASON_OFFSET up. Not
  // "wrong version number": that may be an ERROR SERVER_FULL line, sent in
  // plain text before the handshake, which passes.
  const unsigned long code = ERR_peek_error();
  return ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET;
}

std::string TlsStream::failure(int err) {
  const int sys = errno;
  const long verify = SSL_get_verify_result(ssl_.get());
  if (verify != X509_V_OK) {
    ERR_clear_error();
    std::string why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
      why += " (the certificate does not name " + name_ + ")";
    return why;
  }
  if (err == SSL_ERROR_ZERO_RETURN) return "the server closed the connection";
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    return sys != 0 ? std::strerror(sys) : "the server closed the connection";
  const unsigned long code = ERR_peek_error();
  const bool plain_server = ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER;
  return queued_reason() + (plain_server ? " (is the server's port plain TCP?)" : "");
}

std::string TlsStream::lost(int err) {
  // Worded as the plain connection words a socket error; a TLS error says so.
  return std::string("connection lost: ") + (err == SSL_ERROR_SSL ? "TLS: " : "") + failure(err);
}

bool TlsStream::read_some(std::string& out, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  std::array<char, kReadChunk> buf{};
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      out.append(buf.data(), static_cast<std::size_t>(n));
      heard_ = true;
      return true;
    }
    const int err = SSL_get_error(ssl_.get(), n);
    // Wants more bytes (e.g. it read half a record, or a session ticket and no
    // data): wait for them, within what is left of the timeout.
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return false;
      continue;
    }
    if (err == SSL_ERROR_ZERO_RETURN) throw Error(Error::Kind::closed, "", "the server closed the connection");
    broken_ = true;
    if (err == SSL_ERROR_SSL && !heard_) {
      refused_ = is_refusal(err);
      throw Error(Error::Kind::unavailable, "", "TLS handshake with " + peer_ + " failed: " + failure(err));
    }
    throw Error(Error::Kind::closed, "", lost(err));
  }
}

void TlsStream::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ERR_clear_error();
    // After WANT_* OpenSSL needs the very same arguments again: they are,
    // since bytes only moves after a success.
    const int len = static_cast<int>(std::min(bytes.size(), kWriteChunk));
    const int n = SSL_write(ssl_.get(), bytes.data(), len);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl_.get(), n);
    // No deadline, as the plain connection's blocking send() has none.
    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
      wait_for(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, clock_type::time_point::max());
      continue;
    }
    broken_ = true;
    throw Error(Error::Kind::closed, "", lost(err));
  }
}

std::string TlsStream::drain(std::size_t max_bytes) {
  std::string got;
  if (!established_) return got;
  // Reading goes on after a failed write: the server's last records may be
  // waiting in the socket behind its reset, and OpenSSL still decrypts them.
  std::array<char, kReadChunk> buf{};
  while (got.size() < max_bytes) {
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      got.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL) broken_ = true;
    break;  // nothing more yet, the end of the stream, or an error: done either way
  }
  ERR_clear_error();
  return got;
}

void TlsStream::close_notify() noexcept {
  if (!established_ || broken_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // one call sends ours; the server's answer is not worth waiting for
  ERR_clear_error();
}

}  // namespace baton::detail

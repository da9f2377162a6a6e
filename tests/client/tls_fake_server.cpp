#include "tls_fake_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "client/tls_socket.hpp"
#include "fake_server.hpp"
#include "tls_files.hpp"

namespace baton::test {

namespace {

using clock_type = std::chrono::steady_clock;

// Bounds every blocking socket call of the server thread: a watchdog, so a
// broken test fails instead of hanging.
constexpr auto kSocketWatchdog = 5s;

std::string reason_queued() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return r != nullptr ? r : "unknown";
}

}  // namespace

void TlsPeer::send(std::string_view bytes) {
  if (fd_ < 0) throw std::runtime_error("fake TLS server: send after reset()");
  ERR_clear_error();
  if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size()))
    throw std::runtime_error("fake TLS server: write failed: " + reason_queued());
}

bool TlsPeer::fill(clock_type::time_point deadline) {
  if (end_ != End::none || fd_ < 0) return false;
  // OpenSSL may hold bytes of a record already read: poll() can't see those.
  if (SSL_pending(ssl_) == 0 && !wait_readable(fd_, deadline, stopping_)) return false;
  std::array<char, 16384> b{};
  ERR_clear_error();
  const int n = SSL_read(ssl_, b.data(), static_cast<int>(b.size()));
  if (n > 0) {
    buf_.append(b.data(), static_cast<std::size_t>(n));
    return true;
  }
  const int err = SSL_get_error(ssl_, n);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ) return true;  // a record without data (e.g. a key update): read on
  end_ = err == SSL_ERROR_ZERO_RETURN ? End::close_notify : End::eof;
  return false;
}

bool TlsPeer::close_notify_within(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (fill(deadline)) buf_.clear();
  return end_ == End::close_notify;
}

TlsPeer::~TlsPeer() {
  if (fd_ >= 0) ::close(fd_);
}

void TlsPeer::close_tcp() { ::shutdown(fd_, SHUT_WR); }

void TlsPeer::reset() {
  const linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

std::string TlsPeer::client_cn() const {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl_), X509_free);
  if (!cert) return "";
  std::array<char, 256> cn{};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn.data(),
                                static_cast<int>(cn.size())) < 0)
    return "";
  return cn.data();
}

std::string TlsPeer::sni() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

TlsFakeServer::TlsFakeServer(Script script, TlsServerOptions options) {
  const TlsFiles& files = tls_files();
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate_chain_file(ctx_, files.server_cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, files.server_key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("fake TLS server: cannot load its certificate: " + reason_queued());
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (options.require_client_cert) {
    if (SSL_CTX_load_verify_locations(ctx_, files.ca.c_str(), nullptr) != 1)
      throw std::runtime_error("fake TLS server: cannot load the CA: " + reason_queued());
    SSL_CTX_set_client_CA_list(ctx_, SSL_load_client_CA_file(files.ca.c_str()));
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 4) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("fake TLS server: cannot listen on 127.0.0.1:0");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this, script = std::move(script)] {
    serve(script);
    done_ = true;
  });
}

void TlsFakeServer::serve(const Script& script) {
  if (!wait_readable(listen_fd_, clock_type::now() + 10s, stopping_)) {
    if (!stopping_.load()) ADD_FAILURE() << "fake TLS server: no client connected";
    return;
  }
  const int fd = ::accept(listen_fd_, nullptr, nullptr);
  if (fd < 0) return;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const timeval tv{std::chrono::duration_cast<std::chrono::seconds>(kSocketWatchdog).count(), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(ctx_);
  // The library's BIO (MSG_NOSIGNAL): a client that went away must not kill the test with SIGPIPE.
  BIO* bio = detail::new_socket_bio(fd);
  SSL_set_bio(ssl, bio, bio);
  ERR_clear_error();
  if (SSL_accept(ssl) == 1) {
    TlsPeer peer(ssl, fd, stopping_);  // closes fd, unless its script reset it already
    try {
      script(peer);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "fake TLS server script: " << e.what();
    }
  } else {
    std::lock_guard lock(mu_);
    handshake_error_ = reason_queued();
    ::close(fd);
  }
  SSL_free(ssl);  // our BIO never touches the descriptor again
}

TlsFakeServer::~TlsFakeServer() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

ClientOptions TlsFakeServer::client(const std::string& name, Role role) const {
  ClientOptions o;
  o.port = port_;
  o.name = name;
  o.role = role;
  o.connect_timeout = 3s;
  o.tls = true;
  o.tls_ca = tls_files().ca;
  o.reconnect.enabled = false;  // one connection per server: its failure is what a test looks at
  return o;
}

bool TlsFakeServer::script_done(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (!done_.load()) {
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string TlsFakeServer::handshake_error() {
  std::lock_guard lock(mu_);
  return handshake_error_;
}

}  // namespace baton::test

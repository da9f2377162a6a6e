// FakeServer's TLS twin: OpenSSL's server side on 127.0.0.1:<ephemeral>, one
// connection on its own thread, with tls_files()' server certificate. After
// the handshake a script plays the protocol (each send() is one TLS record);
// a failed handshake is recorded instead (handshake_error()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <openssl/ssl.h>

#include "baton/client.hpp"
#include "line_peer.hpp"

namespace baton::test {

using namespace std::chrono_literals;

struct TlsServerOptions {
  bool require_client_cert = false;  // signed by tls_files().ca
  int max_version = 0;               // e.g. TLS1_2_VERSION; 0: the highest
};

class TlsPeer final : public LinePeer {
 public:
  // Owns fd (not ssl).
  TlsPeer(SSL* ssl, int fd, const std::atomic<bool>& stopping) : ssl_(ssl), fd_(fd), stopping_(stopping) {}
  ~TlsPeer();
  TlsPeer(const TlsPeer&) = delete;
  TlsPeer& operator=(const TlsPeer&) = delete;

  void send(std::string_view bytes) override;
  // Reads (and drops) until the client's stream ends within timeout; true if
  // it ended with a close_notify rather than a bare TCP close.
  bool close_notify_within(std::chrono::milliseconds timeout = 5s);
  // Half-closes TCP (FIN) without close_notify, as baton-server does after an ERROR line.
  void close_tcp();
  // Closes with a TCP reset (SO_LINGER 0): the client's next write fails.
  void reset();

  std::string client_cn() const;  // CN of the client's certificate, "" if it sent none
  std::string sni() const;        // the name the client asked for, "" if none

 private:
  enum class End { none, close_notify, eof };
  bool fill(std::chrono::steady_clock::time_point deadline) override;

  SSL* ssl_;
  int fd_;
  const std::atomic<bool>& stopping_;
  End end_ = End::none;
};

class TlsFakeServer {
 public:
  using Script = std::function<void(TlsPeer&)>;
  explicit TlsFakeServer(Script script, TlsServerOptions options = {});
  ~TlsFakeServer();
  TlsFakeServer(const TlsFakeServer&) = delete;
  TlsFakeServer& operator=(const TlsFakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  // TLS options trusting tls_files().ca, host 127.0.0.1, a short connect timeout.
  ClientOptions client(const std::string& name = "a", Role role = Role::member) const;
  bool script_done(std::chrono::milliseconds timeout = 10s);
  // Why the server's side of the handshake failed, e.g. "tlsv1 alert unknown
  // ca"; "" if it succeeded or has not ended. Read it after script_done().
  std::string handshake_error();

 private:
  void serve(const Script& script);

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::string handshake_error_;
  std::thread thread_;
};

}  // namespace baton::test

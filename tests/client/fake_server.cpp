#include "fake_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace baton::test {

using clock_type = std::chrono::steady_clock;

bool wait_readable(int fd, clock_type::time_point deadline, const std::atomic<bool>& stopping) {
  if (fd < 0) return false;  // after reset()
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::clamp<long>(left.count(), 0, 20)));
    if (r > 0) return true;
    if ((r < 0 && errno != EINTR) || left.count() <= 0 || stopping.load()) return false;
  }
}

Peer::~Peer() {
  if (fd_ >= 0) ::close(fd_);
}

void Peer::send(std::string_view bytes) {
  if (fd_ < 0) throw std::runtime_error("fake server: send after reset()");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("fake server: send failed");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool Peer::fill(clock_type::time_point deadline) {
  if (!wait_readable(fd_, deadline, stopping_)) return false;
  std::array<char, 4096> b{};
  const ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
  if (n <= 0) return false;
  buf_.append(b.data(), static_cast<std::size_t>(n));
  return true;
}

void Peer::reset() {
  const linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

bool Peer::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (!wait_readable(fd_, deadline, stopping_)) return false;
    std::array<char, 4096> b{};
    const ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
    if (n <= 0) return true;
  }
}

FakeServer::FakeServer(Script script) : FakeServer(std::vector<Script>{std::move(script)}) {}

FakeServer::FakeServer(std::vector<Script> scripts, FakeServerOptions options) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
      (options.listen_after.count() == 0 && ::listen(listen_fd_, 4) != 0))
    throw std::runtime_error("fake server: cannot listen on 127.0.0.1:0");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this, scripts = std::move(scripts), options] {
    if (options.listen_after.count() > 0) {
      const auto until = clock_type::now() + options.listen_after;
      while (clock_type::now() < until && !stopping_.load()) std::this_thread::sleep_for(5ms);
      if (::listen(listen_fd_, 4) != 0) ADD_FAILURE() << "fake server: listen() failed late";
    }
    for (const auto& script : scripts) {
      if (!wait_readable(listen_fd_, clock_type::now() + 10s, stopping_)) {
        if (!stopping_.load()) ADD_FAILURE() << "fake server: no client connected (connection " << accepted_ + 1 << ")";
        break;
      }
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) break;
      ++accepted_;
      const int one = 1;
      // Each send() of the script leaves as its own segment: splits stay splits.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Peer peer(fd, stopping_);
      try {
        script(peer);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "fake server script " << accepted_ << ": " << e.what();
      }
    }
    // No more scripts: refuse whoever comes next rather than leave them in the backlog.
    ::shutdown(listen_fd_, SHUT_RDWR);
    done_ = true;
  });
}

FakeServer::~FakeServer() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

ClientOptions FakeServer::client(const std::string& name, Role role) const {
  ClientOptions o;
  o.port = port_;
  o.name = name;
  o.role = role;
  o.connect_timeout = 3s;
  o.reconnect.enabled = false;
  return o;
}

ClientOptions FakeServer::reconnecting_client(const std::string& name, Role role) const {
  ClientOptions o = client(name, role);
  o.reconnect.enabled = true;
  o.reconnect.initial_delay = 10ms;
  o.reconnect.max_delay = 50ms;
  o.reconnect.give_up_after = 5s;
  return o;
}

bool FakeServer::script_done(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (!done_.load()) {
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace baton::test

#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace baton::test {

server::ServerConfig TestServer::defaults() {
  server::ServerConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  c.admin = false;
  c.threads = 2;
  c.legacy_after = 150ms;
  c.hello_timeout = 1s;
  c.drain_timeout = 500ms;
  c.turns_from_clock = false;  // tests read turn 1, 2, ...; one test covers the clock
  return c;
}

TestServer::TestServer(server::ServerConfig config) {
  server_ = std::make_unique<server::Server>(config);
  thread_ = std::thread([this] { server_->run(/*handle_signals=*/false); });
}

TestServer::~TestServer() {
  server_->stop();
  thread_.join();
}

ClientOptions TestServer::client(const std::string& name, const std::string& ring) const {
  ClientOptions o;
  o.port = port();
  o.name = name;
  o.ring = ring;
  o.connect_timeout = 3s;
  // These tests watch one connection's fate (an error, SHUTDOWN); a client
  // that reconnects by itself is tests/client's and faults.sessions' subject.
  o.reconnect.enabled = false;
  return o;
}

RawPeer::RawPeer(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawPeer::~RawPeer() {
  if (fd_ >= 0) ::close(fd_);
}

void RawPeer::set_rcvbuf(int bytes) { ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }

void RawPeer::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may already have closed: tests look at what comes back
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string RawPeer::bytes(std::chrono::milliseconds timeout) {
  std::string out = std::exchange(buf_, {});
  pollfd p{fd_, POLLIN, 0};
  if (out.empty() && ::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
    char b[4096];
    const ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n > 0) out.append(b, static_cast<std::size_t>(n));
  }
  return out;
}

std::optional<std::string> RawPeer::line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string l = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return l;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char b[4096];
    const ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n <= 0) return std::nullopt;
    buf_.append(b, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> RawPeer::line_starting(std::string_view prefix, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto l = line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!l) return std::nullopt;
    if (l->rfind(prefix, 0) == 0) return l;
  }
  return std::nullopt;
}

bool RawPeer::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    static thread_local char b[1 << 16];
    const ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

void RawPeer::hello(const std::string& name, const std::string& ring, bool watcher) {
  if (line() != "BATON 1") throw std::runtime_error("no greeting");
  send("HELLO 1 " + std::string(watcher ? "watcher " : "member ") + ring + " " + name + "\n");
  auto w = line();
  if (!w || w->rfind("WELCOME ", 0) != 0) throw std::runtime_error("no WELCOME: " + w.value_or("<eof>"));
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::milliseconds timeout) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    ::close(pipefd[0]);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  ProcessResult r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char b[4096];
    const ssize_t n = ::read(pipefd[0], b, sizeof b);
    if (n <= 0) break;
    r.out.append(b, static_cast<std::size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace baton::test

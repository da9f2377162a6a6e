#include "http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace baton::bench {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& target, const std::string& what) {
  throw std::runtime_error("GET " + target + ": " + what);
}

// Content-Length from the header block (lower-cased names); npos if absent.
std::size_t content_length(const std::string& head) {
  std::string lower(head);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return std::string::npos;
  return std::stoul(lower.substr(at + 17));
}

}  // namespace

HttpResponse http_get(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout) {
  const auto t0 = Clock::now();
  const Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0) fail(target, std::strerror(errno));
  // Per read and write, not for the whole exchange: catches a hang, which is
  // all a bench needs.
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail(target, std::strerror(errno));
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    fail(target, "request not sent");
  std::string raw;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(target, errno == EAGAIN ? "timed out" : std::strerror(errno));
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }
  HttpResponse r;
  r.elapsed_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  const auto end_of_head = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end_of_head == std::string::npos || raw.size() < 12)
    fail(target, "no HTTP response");
  r.status = std::stoi(raw.substr(9, 3));
  const std::string head = raw.substr(0, end_of_head);
  r.body = raw.substr(end_of_head + 4);
  if (const auto len = content_length(head); len != std::string::npos && len != r.body.size())
    fail(target, "body of " + std::to_string(r.body.size()) + " bytes, Content-Length " + std::to_string(len));
  return r;
}

}  // namespace baton::bench

// The physical limit: a one-byte TCP ping-pong over loopback between two
// processes, blocking I/O, TCP_NODELAY.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "cases.hpp"
#include "procs.hpp"

namespace baton::bench {

RunResult run_pingpong(const CaseSpec& spec) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 1) != 0)
    throw std::runtime_error("ping-pong listen failed");
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  const pid_t echo = ::fork();
  if (echo == 0) {  // the echo process
    if (spec.cpu >= 0) pin_self(spec.cpu);
    const int c = ::accept(lfd, nullptr, nullptr);
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char b;
    while (::read(c, &b, 1) == 1 && ::write(c, &b, 1) == 1) {
    }
    ::_exit(0);
  }
  ::close(lfd);
  pin_self(spec.cpu);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("ping-pong connect");
  RunResult r;
  r.handoffs_ns.reserve(spec.turns);
  char b = 'x';
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  for (std::size_t i = 0; i < spec.turns; ++i) {
    if (::write(fd, &b, 1) != 1 || ::read(fd, &b, 1) != 1) throw std::runtime_error("ping-pong broke");
    const auto now = std::chrono::steady_clock::now();
    r.handoffs_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - last).count());
    last = now;
  }
  r.turns_per_s = static_cast<double>(spec.turns) / std::chrono::duration<double>(last - start).count();
  ::close(fd);
  ::waitpid(echo, nullptr, 0);
  pin_self(-1);
  return r;
}

}  // namespace baton::bench

#include "idle_conns.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace baton::bench {

IdleConnections::IdleConnections(std::uint16_t port, std::size_t n,
                                 const std::function<std::string(std::size_t)>& hello) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fds_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0) fds_.push_back(fd);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close_all();
      throw std::runtime_error("idle client " + std::to_string(i) + " could not connect (fd limit?)");
    }
    const std::string line = hello(i);
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
      close_all();
      throw std::runtime_error("idle client " + std::to_string(i) + ": HELLO not sent");
    }
  }
}

void IdleConnections::close_all() {
  for (const int fd : fds_) ::close(fd);
  fds_.clear();
}

}  // namespace baton::bench

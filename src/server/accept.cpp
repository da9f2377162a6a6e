#include "server/accept.hpp"

#include <fcntl.h>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "server/log.hpp"

namespace baton::server {
namespace {

// A descriptor held in reserve for telling a peer "no" when we have none left.
class SpareFd {
 public:
  SpareFd() { open(); }
  ~SpareFd() { release(); }
  SpareFd(const SpareFd&) = delete;
  SpareFd& operator=(const SpareFd&) = delete;
  bool held() const { return fd_ >= 0; }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void open() {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

 private:
  int fd_ = -1;
};

// Says what went wrong, but at most once per kAcceptLogEvery.
class ThrottledWarning {
 public:
  void note(const std::string& what) {
    ++suppressed_;
    const auto now = Clock::now();
    if (now < next_) return;
    log_warn(suppressed_ > 1 ? fmt::format("{} ({} times in the last second)", what, suppressed_) : what);
    suppressed_ = 0;
    next_ = now + kAcceptLogEvery;
  }

 private:
  Clock::time_point next_{};
  std::size_t suppressed_ = 0;
};

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE;
}

}  // namespace

asio::awaitable<void> accept_each(tcp::acceptor& acceptor, std::string what,
                                  std::function<void(tcp::socket)> on_socket,
                                  std::function<void(int fd)> on_exhausted) {
  SpareFd spare;
  ThrottledWarning warning;
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    tcp::socket sock(ex);
    auto [ec] = co_await acceptor.async_accept(sock, use_tuple);
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (!ec) {
      on_socket(std::move(sock));
      continue;
    }
    if (out_of_descriptors(ec) && spare.held()) {
      spare.release();
      const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      const int err = errno;
      if (fd >= 0) on_exhausted(fd);
      spare.open();
      if (fd >= 0) {
        warning.note(fmt::format("{}: out of file descriptors, refusing connections", what));
        continue;  // no pause: the backlog is answered one by one
      }
      if (err == EAGAIN || err == EWOULDBLOCK) {
        // accept() fails with EMFILE before it looks at the backlog, so an
        // empty backlog looks the same: wait until a connection is really
        // there, without another (failing) attempt.
        co_await acceptor.async_wait(tcp::acceptor::wait_read, use_tuple);
        continue;
      }
    }
    warning.note(fmt::format("{}: accept failed: {}", what, ec.message()));
    asio::steady_timer pause(ex, kAcceptRetry);
    co_await pause.async_wait(use_tuple);
  }
}

}  // namespace baton::server

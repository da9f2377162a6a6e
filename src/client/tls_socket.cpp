#include "client/tls_socket.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

namespace baton::detail {

namespace {

// The descriptor rides in the BIO's data pointer: nothing to allocate or free.
int fd_of(BIO* b) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b))); }

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK; }

int socket_write(BIO* b, const char* data, int len) {
  BIO_clear_retry_flags(b);
  for (;;) {
    const ssize_t n = ::send(fd_of(b), data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (would_block()) BIO_set_retry_write(b);
    return -1;  // errno stays set: SSL_ERROR_SYSCALL's caller reads it
  }
}

int socket_read(BIO* b, char* data, int len) {
  BIO_clear_retry_flags(b);
  for (;;) {
    const ssize_t n = ::recv(fd_of(b), data, static_cast<std::size_t>(len), 0);
    // End of stream must be visible as BIO_eof(): that is how OpenSSL tells a
    // peer that closed (an EOF, with SSL_OP_IGNORE_UNEXPECTED_EOF) from an error.
    if (n == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (would_block()) BIO_set_retry_read(b);
    return -1;
  }
}

long socket_ctrl(BIO* b, int cmd, long /*num*/, void* ptr) {
  switch (cmd) {
    case BIO_CTRL_EOF:
      return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_FLUSH:  // nothing is buffered here: every write goes straight to send()
      return 1;
    case BIO_C_GET_FD:
      if (ptr != nullptr) *static_cast<int*>(ptr) = fd_of(b);
      return fd_of(b);
    default:  // e.g. kTLS queries: not supported, which OpenSSL takes as "no"
      return 0;
  }
}

int socket_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

// One method table for the process, made on first use and kept to the end:
// BIOs made from it may live until then.
const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "baton socket");
    if (m != nullptr && (BIO_meth_set_write(m, socket_write) != 1 || BIO_meth_set_read(m, socket_read) != 1 ||
                         BIO_meth_set_ctrl(m, socket_ctrl) != 1 || BIO_meth_set_create(m, socket_create) != 1)) {
      BIO_meth_free(m);
      m = nullptr;
    }
    return m;
  }();
  return method;
}

}  // namespace

BIO* new_socket_bio(int fd) {
  const BIO_METHOD* method = socket_method();
  if (method == nullptr) return nullptr;
  BIO* b = BIO_new(method);
  if (b != nullptr) BIO_set_data(b, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  return b;
}

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  using clock = std::chrono::steady_clock;
  for (;;) {
    int wait_ms = -1;
    if (deadline != clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, std::numeric_limits<int>::max()));
    }
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, wait_ms);
    if (r > 0) return true;  // ready, or an error/hang-up the next read or write will report
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the I/O call itself fail and say why
  }
}

}  // namespace baton::detail

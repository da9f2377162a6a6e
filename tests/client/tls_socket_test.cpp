// The BIO under the client's TLS, on a socket pair: it must behave as
// OpenSSL expects of a socket (retry on EAGAIN, EOF visible as BIO_eof) and,
// unlike OpenSSL's own, never raise SIGPIPE.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "client/tls_socket.hpp"

namespace baton::test {
namespace {

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
  ~SocketPair() {
    for (const int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_peer() {
    ::close(fd[1]);
    fd[1] = -1;
  }
};

TEST(TlsSocket, WritingToAClosedPeerFailsWithoutSigpipe) {
  SocketPair s;
  s.close_peer();
  BIO* b = detail::new_socket_bio(s.fd[0]);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(BIO_write(b, "x", 1), -1);  // with write(2) the default SIGPIPE would end this process here
  EXPECT_EQ(errno, EPIPE);
  EXPECT_FALSE(BIO_should_retry(b));
  BIO_free(b);
}

TEST(TlsSocket, TheEndOfTheStreamIsBioEof) {
  SocketPair s;
  BIO* b = detail::new_socket_bio(s.fd[0]);
  ASSERT_EQ(::write(s.fd[1], "ab", 2), 2);
  s.close_peer();
  char buf[8];
  EXPECT_EQ(BIO_read(b, buf, sizeof buf), 2);
  EXPECT_EQ(BIO_eof(b), 0);
  EXPECT_EQ(BIO_read(b, buf, sizeof buf), 0);
  EXPECT_EQ(BIO_eof(b), 1);
  BIO_free(b);
}

TEST(TlsSocket, NothingToReadYetIsARetry) {
  SocketPair s;
  ::fcntl(s.fd[0], F_SETFL, O_NONBLOCK);
  BIO* b = detail::new_socket_bio(s.fd[0]);
  char buf[8];
  EXPECT_EQ(BIO_read(b, buf, sizeof buf), -1);
  EXPECT_TRUE(BIO_should_read(b));
  EXPECT_TRUE(BIO_should_retry(b));
  EXPECT_EQ(BIO_eof(b), 0);
  BIO_free(b);
}

TEST(TlsSocket, WaitForHonoursItsDeadline) {
  SocketPair s;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(detail::wait_for(s.fd[0], POLLIN, start + std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  ASSERT_EQ(::write(s.fd[1], "a", 1), 1);
  EXPECT_TRUE(detail::wait_for(s.fd[0], POLLIN, std::chrono::steady_clock::time_point::max()));
}

}  // namespace
}  // namespace baton::test

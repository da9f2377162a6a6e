// baton-client reconnecting, as a process: it waits for a server that starts
// after it, keeps the seed's output exact across cut connections (each number
// printed and committed once, none skipped), and exits 69 when it gives up.
#include <gtest/gtest.h>

#include <sysexits.h>

#include "child_process.hpp"
#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(CliReconnect, AClientStartedBeforeItsServerWaitsForIt) {
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 1 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
                    p.send("ACK 1\n");
                    p.bye();
                  }},
                 {.listen_after = 700ms});
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "early", "--count", "1",
                   "--interval", "0", "--reconnect-max-delay", "100ms"},
                  {}, true);
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_OK) << err;
  EXPECT_EQ(read_all(c.out_fd), "early sent: 1\n");
  EXPECT_EQ(count_of(err, "Connection refused; trying again"), 1u) << "said once why it waits: " << err;
}

TEST(CliReconnect, EachNumberIsSentAndPrintedOnceAcrossCuts) {
  const std::string resume = "resume=" + std::string(kSession) + ":" + std::string(kSecret);
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 1 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
                    p.send("ACK 1\nGRANT 2 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 2 3");
                    p.reset();  // SEND 2 was accepted; its ACK is lost
                  },
                  [&](Peer& p) {
                    const auto hello = p.handshake(10000, seat_line("RESUMED", 2) + "QUEUE 1\n");
                    EXPECT_TRUE(hello && has(*hello, resume)) << hello.value_or("");
                    p.send("GRANT 3 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 3 5");
                    p.reset();  // SEND 3 was not accepted, and turn 3 is still ours
                  },
                  [&](Peer& p) {
                    const auto hello = p.handshake(10000, seat_line("RESUMED", 2) + "GRANT 3 0\n");
                    EXPECT_TRUE(hello && has(*hello, resume)) << hello.value_or("");
                    EXPECT_EQ(p.expect("SEND "), "SEND 3 5");
                    p.send("ACK 3\nGRANT 4 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 4 7");
                    p.send("ACK 4\n");
                    p.bye();
                  }});
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "c1", "--count", "4",
                   "--interval", "0", "--reconnect-max-delay", "100ms"},
                  {}, true);
  const int rc = wait_exit(c.pid, 15s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_OK) << err;
  EXPECT_EQ(read_all(c.out_fd), "c1 sent: 1\nc1 sent: 3\nc1 sent: 5\nc1 sent: 7\n");
  EXPECT_EQ(count_of(err, "reconnected to"), 2u) << err;
  EXPECT_EQ(count_of(err, "resumed the seat"), 2u) << err;
  EXPECT_EQ(count_of(err, "trying again"), 2u) << err;
}

TEST(CliReconnect, GivesUpWithExit69AfterTheReconnectTimeout) {
  FakeServer srv(std::vector<FakeServer::Script>{}, {.listen_after = 30s});
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "late", "--reconnect-timeout",
                   "300ms", "--reconnect-max-delay", "50ms"});
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_UNAVAILABLE) << err;
  EXPECT_TRUE(has(err, "giving up")) << err;
}

TEST(CliReconnect, WithNoReconnectAMissingServerIsExit69AtOnce) {
  FakeServer srv(std::vector<FakeServer::Script>{}, {.listen_after = 30s});
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "late", "--no-reconnect"});
  const int rc = wait_exit(c.pid, 5s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_UNAVAILABLE) << err;
  EXPECT_TRUE(has(err, "refused")) << err;
}

TEST(CliReconnect, LockModeAcquiresBeforeEachSend) {
  FakeServer srv([](Peer& p) {
    EXPECT_EQ(p.handshake(), "HELLO 2 member default l mode=lock");
    for (int t = 1; t <= 2; ++t) {
      EXPECT_EQ(p.expect("ACQUIRE"), "ACQUIRE");
      p.send("GRANT " + std::to_string(t) + " 30000\n");
      EXPECT_EQ(p.expect("SEND "), "SEND " + std::to_string(t) + " " + std::to_string(2 * t - 1));
      p.send("ACK " + std::to_string(t) + "\n");
    }
    p.bye();
  });
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "l", "--count", "2", "--interval",
                   "0", "--mode", "lock"},
                  {}, true);
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_OK) << err;
  EXPECT_EQ(read_all(c.out_fd), "l sent: 1\nl sent: 3\n");
}

}  // namespace
}  // namespace baton::test

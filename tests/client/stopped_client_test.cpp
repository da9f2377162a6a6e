// A baton-client stopped with SIGSTOP while the server drops it as idle: when
// it wakes up it must report the server's reason (ERROR IDLE_TIMEOUT), not the
// socket's symptom ("Broken pipe"), nor take its own stop for a dead server;
// and, reconnecting, take its seat back and carry on.
#include <gtest/gtest.h>

#include <signal.h>

#include <future>

#include "child_process.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

TEST(StoppedClient, ReportsTheServersIdleTimeoutWhenItWakesUp) {
  std::promise<void> acked, stopped, dropped;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake(200));
    p.send("GRANT 1 0\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
    p.send("ACK 1\n");
    acked.set_value();  // the client is now in pause(--interval), PINGing
    if (stopped.get_future().wait_for(10s) != std::future_status::ready) return;
    p.send("ERROR IDLE_TIMEOUT nothing heard within the idle timeout\n");
    p.reset();
    dropped.set_value();
  });
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "sleepy", "--interval", "30s",
                   "--no-reconnect"});
  ASSERT_EQ(acked.get_future().wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(100ms);
  ::kill(c.pid, SIGSTOP);
  std::this_thread::sleep_for(100ms);
  stopped.set_value();
  ASSERT_EQ(dropped.get_future().wait_for(10s), std::future_status::ready);
  // Stopped for well over 3 heartbeats: that silence was ours, not the server's.
  std::this_thread::sleep_for(1s);
  ::kill(c.pid, SIGCONT);
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, 70) << err;  // EX_SOFTWARE: the server rejected us
  EXPECT_NE(err.find("IDLE_TIMEOUT"), std::string::npos) << err;
}

TEST(StoppedClient, ReconnectingItTakesItsSeatBackAndCarriesOn) {
  std::promise<void> acked, stopped, dropped;
  const std::string resume = "resume=" + std::string(kSession) + ":" + std::string(kSecret);
  FakeServer srv({[&](Peer& p) {
                    EXPECT_TRUE(p.handshake(200));
                    p.send("GRANT 1 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
                    p.send("ACK 1\n");
                    acked.set_value();
                    if (stopped.get_future().wait_for(10s) != std::future_status::ready) return;
                    p.send("ERROR IDLE_TIMEOUT nothing heard within the idle timeout\n");
                    p.reset();
                    dropped.set_value();
                  },
                  [&](Peer& p) {
                    const auto hello = p.handshake(200, seat_line("RESUMED", 1) + "QUEUE 1\nGRANT 2 0\n");
                    EXPECT_NE(hello.value_or("").find(resume), std::string::npos) << hello.value_or("");
                    EXPECT_EQ(p.expect("SEND "), "SEND 2 3");
                    p.send("ACK 2\n");
                    p.bye();
                  }});
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "sleepy", "--interval", "1s",
                   "--count", "2"});
  ASSERT_EQ(acked.get_future().wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(100ms);
  ::kill(c.pid, SIGSTOP);
  std::this_thread::sleep_for(100ms);
  stopped.set_value();
  ASSERT_EQ(dropped.get_future().wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(1s);
  ::kill(c.pid, SIGCONT);
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, 0) << err;
  EXPECT_NE(err.find("IDLE_TIMEOUT"), std::string::npos) << err;  // said why it reconnected
  EXPECT_NE(err.find("resumed the seat"), std::string::npos) << err;
}

}  // namespace
}  // namespace baton::test

// pass(), acquire() and release(): their bytes on the wire, their answers,
// and the same exactly-once rule as send() across a cut connection.
#include <gtest/gtest.h>

#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

const std::string kResumeHello =
    "HELLO 2 member default a resume=" + std::string(kSession) + ":" + std::string(kSecret);

TEST(Pass, SendsPassAndReturnsTheTurnOnItsAck) {
  std::vector<std::string> got;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 3 30000\n");
    got = p.lines_until("PASS ");
    p.send("ACK 3\nGRANT 5 30000\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 5 after a pass");
    p.send("ACK 5\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 3u);
  EXPECT_EQ(c.pass(), 3u);
  EXPECT_EQ(c.await_grant().turn, 5u);
  EXPECT_EQ(c.send("after a pass"), 5u);
  error_of([&] { c.pass(); }, Error::Kind::usage);  // nothing held
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(got, std::vector<std::string>{"PASS 3"});
}

TEST(Pass, ExactlyOnceAcrossACut) {
  std::vector<std::string> second;
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 4 30000\n");
                    EXPECT_EQ(p.expect("PASS "), "PASS 4");
                    p.reset();
                  },
                  [&](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 4) + "QUEUE 1\n"), kResumeHello);
                    second = p.lines_until("BYE");
                    p.send("BYE\n");
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  EXPECT_EQ(c.pass(), 4u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(second, std::vector<std::string>{"BYE"});
}

TEST(Lock, AcquireThenReleaseOnTheWire) {
  std::vector<std::string> got;
  FakeServer srv([&](Peer& p) {
    EXPECT_EQ(p.handshake(), "HELLO 2 member locks a mode=lock");
    auto l = p.lines_until("ACQUIRE");
    got.insert(got.end(), l.begin(), l.end());
    p.send("QUEUE 1\n");
    std::this_thread::sleep_for(50ms);
    p.send("GRANT 2 30000\n");
    l = p.lines_until("RELEASE ");
    got.insert(got.end(), l.begin(), l.end());
    p.send("ACK 2\n");
    l = p.lines_until("ACQUIRE");
    got.insert(got.end(), l.begin(), l.end());
    p.send("GRANT 3 30000\n");
    l = p.lines_until("SEND ");
    got.insert(got.end(), l.begin(), l.end());
    p.send("ACK 3\n");
    p.bye();
  });
  auto o = srv.client("a");
  o.ring = "locks";
  o.mode = TurnOrder::lock;
  std::vector<std::uint64_t> queue;
  o.on_queue = [&](std::uint64_t q) { queue.push_back(q); };
  Client c(o);
  c.connect();
  const Grant g = c.acquire();
  EXPECT_EQ(g.turn, 2u);
  EXPECT_EQ(g.timeout, 30000ms);
  EXPECT_EQ(c.acquire().turn, 2u) << "held: returned without asking again";
  EXPECT_EQ(c.release(), 2u);
  EXPECT_EQ(c.acquire().turn, 3u);
  EXPECT_EQ(c.send("wrote row 17"), 3u);  // a send ends the hold too
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(got, (std::vector<std::string>{"ACQUIRE", "RELEASE 2", "ACQUIRE", "SEND 3 wrote row 17"}));
  EXPECT_EQ(queue, std::vector<std::uint64_t>{1});
}

TEST(Lock, AWaiterAsksAgainAfterAReconnect) {
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    EXPECT_EQ(p.expect("ACQUIRE"), "ACQUIRE");
                    p.send("QUEUE 2\n");
                    std::this_thread::sleep_for(50ms);
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_TRUE(p.handshake(10000, seat_line("RESUMED", 0)));
                    EXPECT_EQ(p.expect("ACQUIRE"), "ACQUIRE") << "a waiter's place does not survive the cut";
                    p.send("GRANT 5 30000\n");
                    EXPECT_EQ(p.expect("RELEASE "), "RELEASE 5");
                    p.send("ACK 5\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("a");
  o.mode = TurnOrder::lock;
  Client c(o);
  c.connect();
  EXPECT_EQ(c.acquire().turn, 5u);
  EXPECT_EQ(c.release(), 5u);
}

TEST(Lock, AcquireInARotationRingIsWrongModeAndFinal) {
  int disconnects = 0;
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    EXPECT_EQ(p.expect("ACQUIRE"), "ACQUIRE");
    p.send("ERROR WRONG_MODE ring default rotates\n");
    p.closed_within();
  });
  auto o = srv.reconnecting_client("a");
  o.on_disconnect = [&](const Error&) { ++disconnects; };
  Client c(o);
  c.connect();
  error_of([&] { c.acquire(); }, Error::Kind::rejected, "WRONG_MODE");
  EXPECT_EQ(disconnects, 0);
}

TEST(Lock, NotOnALegacyServer) {
  FakeServer srv([](Peer& p) {
    p.send("WAIT");
    p.closed_within();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.protocol(), Protocol::legacy);
  error_of([&] { c.acquire(); }, Error::Kind::usage);
  error_of([&] { c.pass(); }, Error::Kind::usage);
}

}  // namespace
}  // namespace baton::test

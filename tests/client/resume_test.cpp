// Resuming a seat, and the exactly-once rule for a send whose connection was
// cut before its ACK (docs/PROTOCOL.md, "Resuming a seat"): committed (no
// resend), still ours (sent once more on the new connection), or gone
// (Error{revoked}); against a fake server that plays one connection after
// another.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

const std::string kResumeHello =
    "HELLO 2 member default a resume=" + std::string(kSession) + ":" + std::string(kSecret);

std::size_t count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

// What on_reconnect was told, in order.
struct Reconnects {
  std::vector<bool> resumed;
  void attach(ClientOptions& o) {
    o.on_reconnect = [this](bool r) { resumed.push_back(r); };
  }
};

TEST(Resume, ACutWhileWaitingIsResumedInsideAwaitGrant) {
  Reconnects r;
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("QUEUE 2\n");
                    std::this_thread::sleep_for(50ms);
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 0) + "QUEUE 1\n"), kResumeHello);
                    p.send("GRANT 5 1000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 5 x");
                    p.send("ACK 5\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("a");
  r.attach(o);
  std::vector<std::uint64_t> queue;
  o.on_queue = [&](std::uint64_t q) { queue.push_back(q); };
  Client c(o);
  c.connect();
  EXPECT_EQ(c.await_grant().turn, 5u);
  EXPECT_EQ(c.send("x"), 5u);
  c.close();
  EXPECT_EQ(r.resumed, std::vector<bool>{true});
  EXPECT_EQ(queue, (std::vector<std::uint64_t>{2, 1}));
}

// The member holds turn 3 and is outside the library when the connection is cut.
struct HeldThenCut {
  std::promise<void> holding, cut;
  FakeServer::Script first() {
    return [this](Peer& p) {
      EXPECT_TRUE(p.handshake());
      p.send("GRANT 3 30000\n");
      holding.get_future().wait_for(5s);
      p.reset();
      cut.set_value();
    };
  }
  void hold(Client& c) {
    ASSERT_EQ(c.await_grant().turn, 3u);
    holding.set_value();
    ASSERT_EQ(cut.get_future().wait_for(5s), std::future_status::ready);
    std::this_thread::sleep_for(20ms);  // the reset has reached us
  }
};

TEST(Resume, AHeldTurnTheSeatStillHoldsIsSentOnTheNewConnection) {
  HeldThenCut h;
  std::vector<std::string> second;
  FakeServer srv({h.first(), [&](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 0) + "GRANT 3 25000\n"), kResumeHello);
                    second = p.lines_until("SEND ");
                    p.send("ACK 3\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  h.hold(c);
  EXPECT_EQ(c.send("x"), 3u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(count_prefix(second, "SEND 3 x"), 1u);
}

TEST(Resume, AHeldTurnThatIsGoneIsRevokedAndTheNextOneWorks) {
  HeldThenCut h;
  FakeServer srv({h.first(), [](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 0) + "QUEUE 1\n"), kResumeHello);
                    p.send("GRANT 7 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 7 x") << "nothing for turn 3";
                    p.send("ACK 7\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  h.hold(c);
  error_of([&] { c.send("x"); }, Error::Kind::revoked);
  EXPECT_EQ(c.await_grant().turn, 7u);
  EXPECT_EQ(c.send("x"), 7u);
}

// SEND 4 reached the server (or not), the connection is cut before its ACK.
FakeServer::Script cut_after_send() {
  return [](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 4 30000\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 4 hello");
    p.reset();
  };
}

TEST(Resume, ASendTheServerAcceptedIsNotSentAgain) {
  std::vector<std::string> second;
  FakeServer srv({cut_after_send(), [&](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 4) + "QUEUE 1\n"), kResumeHello);
                    second = p.lines_until("BYE");
                    p.send("BYE\n");
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  EXPECT_EQ(c.send("hello"), 4u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(second, std::vector<std::string>{"BYE"});
}

TEST(Resume, ASendNotAcceptedWhileTheTurnIsStillOursIsSentOnceMore) {
  std::vector<std::string> second;
  FakeServer srv({cut_after_send(), [&](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 2) + "GRANT 4 25000\n"), kResumeHello);
                    EXPECT_EQ(p.expect("SEND "), "SEND 4 hello");
                    p.send("ACK 4\n");
                    second = p.lines_until("BYE");
                    p.send("BYE\n");
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  EXPECT_EQ(c.send("hello"), 4u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(count_prefix(second, "SEND "), 0u) << "sent a third time";
}

TEST(Resume, ASendNotAcceptedWhoseTurnIsGoneIsRevoked) {
  FakeServer srv({cut_after_send(), [](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 2) + "QUEUE 1\n"), kResumeHello);
                    p.send("GRANT 9 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 9 hello");
                    p.send("ACK 9\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  error_of([&] { c.send("hello"); }, Error::Kind::revoked);
  EXPECT_EQ(c.await_grant().turn, 9u);
  EXPECT_EQ(c.send("hello"), 9u);
}

TEST(Resume, AnotherGrantAfterResumedMeansTheTurnIsGoneAndIsKept) {
  FakeServer srv({cut_after_send(), [](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("RESUMED", 2) + "GRANT 6 30000\n"), kResumeHello);
                    EXPECT_EQ(p.expect("SEND "), "SEND 6 again");
                    p.send("ACK 6\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  error_of([&] { c.send("hello"); }, Error::Kind::revoked);
  EXPECT_EQ(c.await_grant().turn, 6u);
  EXPECT_EQ(c.send("again"), 6u);
}

TEST(Resume, ASessionLineAfterAFailedResumeMeansANewSeat) {
  Reconnects r;
  FakeServer srv({cut_after_send(), [](Peer& p) {
                    EXPECT_EQ(p.handshake(10000, seat_line("SESSION", 0) + "QUEUE 2\n"), kResumeHello);
                    p.send("GRANT 11 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 11 hello");
                    p.send("ACK 11\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("a");
  r.attach(o);
  Client c(o);
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  error_of([&] { c.send("hello"); }, Error::Kind::revoked);
  EXPECT_EQ(c.await_grant().turn, 11u);
  EXPECT_EQ(c.send("hello"), 11u);
  EXPECT_EQ(r.resumed, std::vector<bool>{false});
}

TEST(Resume, ASessionLineNamingTheTurnSaysItWasCommitted) {
  // The seat ended (the grace ran out) but the server remembers its last turn.
  FakeServer srv({cut_after_send(), [](Peer& p) {
                    EXPECT_TRUE(p.handshake(10000, seat_line("SESSION", 4) + "QUEUE 2\n"));
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  EXPECT_EQ(c.send("hello"), 4u);
  c.close();
}

TEST(Resume, ASeatThatCanNotBeResumedIsNotAskedFor) {
  // grace 0 (--resume-grace 0): a plain HELLO 2 next time.
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake(10000, seat_line("SESSION", 0, 0)));
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_EQ(p.handshake(), "HELLO 2 member default a");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  c.pause(300ms);
  c.close();
  ASSERT_TRUE(srv.script_done());
}

TEST(Resume, WithoutSessionsALostAckIsInDoubt) {
  FakeServer srv({[](Peer& p) {
                    p.send("BATON 1\n");
                    EXPECT_TRUE(p.expect("HELLO 2 "));
                    p.send("ERROR BAD_VERSION version 1 only\n");
                  },
                  [](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 4 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 4 hello");
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_EQ(p.handshake(), "HELLO 1 member default a");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  error_of([&] { c.send("hello"); }, Error::Kind::in_doubt);
  c.close();
}

TEST(Resume, InALockRingNothingAfterResumedMeansTheTurnIsGone) {
  // A lock ring's idle seat gets no state line: the client's barrier PING is
  // answered first, and that answer settles it.
  std::vector<std::string> second;
  FakeServer srv({cut_after_send(), [&](Peer& p) {
                    EXPECT_TRUE(p.handshake(10000, seat_line("RESUMED", 2)));
                    const auto ping = p.expect("PING ", 5s);
                    ASSERT_TRUE(ping);
                    p.send("PONG " + ping->substr(5) + "\n");
                    second = p.lines_until("BYE");
                    p.send("BYE\n");
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  error_of([&] { c.send("hello"); }, Error::Kind::revoked);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(count_prefix(second, "SEND "), 0u);
}

TEST(Resume, AGrantKeptDuringPauseIsDroppedUnlessTheSeatStillHoldsIt) {
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 2 30000\n");
                    std::this_thread::sleep_for(100ms);
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_TRUE(p.handshake(10000, seat_line("RESUMED", 0) + "QUEUE 1\n"));
                    std::this_thread::sleep_for(100ms);
                    p.send("GRANT 8 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 8 x");
                    p.send("ACK 8\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("a"));
  c.connect();
  c.pause(400ms);  // GRANT 2 arrives and is kept; then the cut and the resume
  EXPECT_EQ(c.await_grant().turn, 8u) << "turn 2 went with the connection";
  EXPECT_EQ(c.send("x"), 8u);
}

}  // namespace
}  // namespace baton::test

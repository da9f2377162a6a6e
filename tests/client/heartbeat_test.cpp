// Heartbeats both ways, over real loopback sockets against a scripted server:
// the client PINGs on a write schedule however busy the stream, answers the
// server's PINGs inside every reading call (pause() included), and keeps what
// arrives during pause() for the next call. Counts, not timing ratios: the
// only clock-based numbers are generous watchdogs.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <future>

#include "client/heartbeat.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

TEST(Heartbeat, PingsAWatcherWhoseStreamNeverGoesQuiet) {
  // An EVENT every 50 ms, a 200 ms heartbeat: the old client, pinging only when
  // its reads went quiet, never pinged here and was dropped as idle.
  constexpr int kEvents = 40;  // about 2 s of stream: ~10 heartbeats
  std::atomic<int> pings{0};
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    using steady = std::chrono::steady_clock;
    for (int i = 1; i <= kEvents; ++i) {
      p.send("EVENT " + std::to_string(i) + " m payload " + std::to_string(i) + "\n");
      const auto until = steady::now() + 50ms;
      while (const auto l = p.line(std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()))) {
        if (l->rfind("PING ", 0) == 0) {
          ++pings;
          p.send("PONG " + l->substr(5) + "\n");
        } else if (*l == "BYE") {  // the client has all its events
          p.send("BYE\n");
          return;
        }
      }
    }
    p.bye();
  });
  auto o = srv.client("w", Role::watcher);
  o.heartbeat = 200ms;
  Client c(o);
  c.connect();
  for (int i = 1; i <= kEvents; ++i) {
    const auto e = c.next_event();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->turn, static_cast<std::uint64_t>(i));
    EXPECT_EQ(e->payload, "payload " + std::to_string(i));
  }
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_GE(pings.load(), 4) << "a watcher must PING about every heartbeat, EVENTs or not";
}

TEST(Heartbeat, ServerPingIsAnsweredInsideAwaitGrant) {
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("QUEUE 2\nPING s1\n");
    EXPECT_EQ(p.expect("PONG "), "PONG s1");
    p.send("GRANT 1 0\n");  // only once answered: await_grant cannot return without answering
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  EXPECT_EQ(c.await_grant().turn, 1u);
}

TEST(Heartbeat, ServerPingIsAnsweredInsidePause) {
  std::promise<bool> answered;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("PING s2\n");
    answered.set_value(p.expect("PONG ") == "PONG s2");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  auto f = answered.get_future();
  // The client reads only inside its calls: pause until the answer is seen.
  for (int i = 0; i < 50 && f.wait_for(0ms) != std::future_status::ready; ++i) c.pause(100ms);
  ASSERT_EQ(f.wait_for(0ms), std::future_status::ready) << "no PONG within 5 s of pause()";
  EXPECT_TRUE(f.get());
}

TEST(Heartbeat, PauseSendsHeartbeatsAndCallsOnQueue) {
  std::atomic<int> pings{0};
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("QUEUE 3\n");
    while (auto l = p.line(3s)) {
      if (l->rfind("PING ", 0) == 0) {
        ++pings;
        p.send("PONG " + l->substr(5) + "\n");
      } else if (*l == "BYE") {
        p.send("BYE\n");
        break;
      }
    }
  });
  auto o = srv.client("a");
  // Not shorter: the client presumes the server dead after 3 heartbeats without
  // a PONG, and a loaded test machine can stall the fake server for a while.
  o.heartbeat = 250ms;
  std::uint64_t position = 0;
  o.on_queue = [&](std::uint64_t q) { position = q; };
  Client c(o);
  c.connect();
  c.pause(1500ms);
  EXPECT_EQ(position, 3u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_GE(pings.load(), 3) << "pause() must keep PINGing (one per 250 ms heartbeat)";
}

TEST(Heartbeat, GrantArrivingDuringPauseIsReturnedByTheNextAwaitGrant) {
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("QUEUE 1\nGRANT 7 30000\n");
    // Nothing more until the client sends: an await_grant that read would hang.
    EXPECT_EQ(p.expect("SEND "), "SEND 7 after the pause");
    p.send("ACK 7\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  c.pause(300ms);
  auto g = std::async(std::launch::async, [&] { return c.await_grant(); });
  ASSERT_EQ(g.wait_for(2s), std::future_status::ready) << "await_grant read instead of returning the kept grant";
  const Grant grant = g.get();
  EXPECT_EQ(grant.turn, 7u);
  EXPECT_EQ(grant.timeout, 30000ms);
  EXPECT_EQ(c.send("after the pause"), 7u);
}

TEST(Heartbeat, RevokedThenPingInsideAwaitGrantIsAnsweredAndTheNextGrantComes) {
  // The server revokes a holder that ran out of time, PINGs it, and grants it
  // again only once it hears from it.
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 1 100\n");
    std::this_thread::sleep_for(150ms);
    p.send("REVOKED 1\nPING after-revoke\n");
    EXPECT_EQ(p.expect("PONG "), "PONG after-revoke");
    p.send("QUEUE 1\nGRANT 3 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 3 second try");
    p.send("ACK 3\n");
    p.bye();
  });
  std::vector<std::uint64_t> revoked;
  auto o = srv.client("a");
  o.on_revoked = [&](std::uint64_t t) { revoked.push_back(t); };
  Client c(o);
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  // Too slow: the holder does not send for turn 1 and simply waits again.
  EXPECT_EQ(c.await_grant().turn, 3u);
  EXPECT_EQ(revoked, std::vector<std::uint64_t>{1});
  EXPECT_EQ(c.send("second try"), 3u);
}

TEST(Heartbeat, AGrantRevokedBeforeItWasReadIsNeverUsed) {
  // A client stopped while holding the baton wakes up to GRANT, REVOKED and
  // PING in one read: sending for that turn would be STALE_TURN, fatal.
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 4 100\nREVOKED 4\nPING revoked\n");
    EXPECT_EQ(p.expect("PONG "), "PONG revoked");
    p.send("GRANT 6 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 6 fresh");
    p.send("ACK 6\n");
    p.bye();
  });
  std::vector<std::uint64_t> revoked;
  auto o = srv.client("a");
  o.on_revoked = [&](std::uint64_t t) { revoked.push_back(t); };
  Client c(o);
  c.connect();
  EXPECT_EQ(c.await_grant().turn, 6u) << "turn 4 was revoked before the client read it";
  EXPECT_EQ(revoked, std::vector<std::uint64_t>{4});
  EXPECT_EQ(c.send("fresh"), 6u);
}

TEST(Heartbeat, ASendAfterBeingAwayLongerThanTheTurnChecksForItsRevokeFirst) {
  // The client read its GRANT, then was away (stopped, a GC pause) past the
  // turn's timeout: the server revoked it meanwhile. Sending would be
  // STALE_TURN and fatal; send() finds the REVOKED and sends nothing.
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 4 100\n");
    std::this_thread::sleep_for(150ms);
    p.send("REVOKED 4\nPING revoked\n");
    EXPECT_EQ(p.expect("PONG "), "PONG revoked") << "nothing but the PONG: no SEND 4";
    p.send("GRANT 6 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 6 fresh");
    p.send("ACK 6\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  std::this_thread::sleep_for(300ms);  // away: longer than the 100 ms turn
  try {
    c.send("stale");
    ADD_FAILURE() << "send() went out for a revoked turn";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::revoked) << e.what();
  }
  EXPECT_EQ(c.await_grant().turn, 6u);
  EXPECT_EQ(c.send("fresh"), 6u);
}

TEST(Heartbeat, AGrantReadBeforeAStopCountsTheStopAgainstItsTurn) {
  // ACK 1 and GRANT 4 come in one read; the client is stopped after send()
  // returns and before it parses the GRANT (SIGSTOP while printing). The
  // server revokes turn 4 meanwhile. The stop counts against turn 4: send()
  // must look for the REVOKED instead of sending for a turn that is gone.
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 1 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 one");
    p.send("ACK 1\nGRANT 4 100\n");
    std::this_thread::sleep_for(150ms);
    p.send("REVOKED 4\nPING revoked\n");
    EXPECT_EQ(p.line(), "PONG revoked") << "nothing before the PONG: no SEND 4";
    p.send("GRANT 6 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 6 fresh");
    p.send("ACK 6\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send("one"), 1u);
  std::this_thread::sleep_for(300ms);  // stopped, GRANT 4 read but not parsed
  try {
    ASSERT_EQ(c.await_grant().turn, 4u);
    c.send("stale");
    ADD_FAILURE() << "send() went out for a revoked turn";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::revoked) << e.what();
  }
  EXPECT_EQ(c.await_grant().turn, 6u);
  EXPECT_EQ(c.send("fresh"), 6u);
}

TEST(Heartbeat, ASendThatCrossesItsRevokedIsReportedAsRevoked) {
  // The SEND and the REVOKED cross on the wire: the server ignores the SEND
  // (no ACK ever comes); the REVOKED that follows it in our stream ends send().
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 4 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 4 late");
    p.send("REVOKED 4\nPING revoked\n");
    EXPECT_EQ(p.expect("PONG "), "PONG revoked");
    p.send("GRANT 6 100\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 6 fresh");
    p.send("ACK 6\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 4u);
  try {
    c.send("late");
    ADD_FAILURE() << "send() returned without an ACK";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::revoked) << e.what();
  }
  EXPECT_EQ(c.await_grant().turn, 6u);
  EXPECT_EQ(c.send("fresh"), 6u);
}

TEST(Heartbeat, BatonClientPausesInsteadOfSleepingBetweenTurns) {
  // --interval 1.5s with a 300 ms heartbeat: a sleeping client would write
  // nothing between its two SENDs; a pausing one PINGs.
  std::atomic<int> pings_between{0};
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake(300));
    p.send("GRANT 1 0\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
    p.send("ACK 1\nGRANT 2 0\n");
    while (auto l = p.line(5s)) {
      if (l->rfind("PING ", 0) == 0) {
        ++pings_between;
        p.send("PONG " + l->substr(5) + "\n");
        continue;
      }
      EXPECT_EQ(*l, "SEND 2 3");
      p.send("ACK 2\n");
      break;
    }
    p.bye();
  });
  const std::string cmd = std::string(BATON_CLIENT_BIN) + " --port " + std::to_string(srv.port()) +
                          " --name Client1 --count 2 --interval 1.5s --quiet";
  auto rc = std::async(std::launch::async, [&] { return std::system(cmd.c_str()); });
  ASSERT_EQ(rc.wait_for(15s), std::future_status::ready);
  const int status = rc.get();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(srv.script_done());
  EXPECT_GE(pings_between.load(), 2);
}

// The clock alone, with made-up times.
using detail::Heartbeat;
const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

TEST(HeartbeatClock, PingIsDueOneHeartbeatAfterTheLastWriteWhateverWasRead) {
  Heartbeat hb;
  EXPECT_FALSE(hb.ping_due(t0)) << "no PINGs before WELCOME";
  hb.start(200ms, t0);
  hb.heard();
  EXPECT_FALSE(hb.ping_due(t0 + 199ms));
  EXPECT_TRUE(hb.ping_due(t0 + 200ms));
  hb.wrote(t0 + 250ms);
  EXPECT_FALSE(hb.ping_due(t0 + 300ms));
  // Reads wake no later than needed, rounded down to a power of two (a stable socket timeout).
  EXPECT_EQ(hb.read_timeout(t0 + 300ms, t0 + 1h), 128ms) << "150 ms until the next PING";
  EXPECT_EQ(hb.read_timeout(t0 + 300ms, t0 + 310ms), 8ms) << "the caller's deadline comes first";
  EXPECT_EQ(hb.read_timeout(t0 + 449ms, t0 + 1h), 1ms);
  EXPECT_EQ(hb.read_timeout(t0 + 450ms, t0 + 1h), 1ms) << "never 0, which would block forever";
}

TEST(HeartbeatClock, DeadOnlyAfterThreeHeartbeatsOfReadsThatBroughtNothing) {
  Heartbeat hb;
  hb.start(100ms, t0);
  hb.heard_nothing(250ms);
  EXPECT_FALSE(hb.server_dead());
  hb.wrote(t0 + 290ms);
  EXPECT_EQ(hb.read_timeout(t0 + 300ms, t0 + 1h), 32ms) << "50 ms until silence becomes fatal";
  hb.heard();
  hb.heard_nothing(299ms);
  EXPECT_FALSE(hb.server_dead()) << "anything heard starts the count again";
  hb.heard_nothing(1ms);
  EXPECT_TRUE(hb.server_dead());
}

}  // namespace
}  // namespace baton::test

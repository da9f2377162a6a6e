// A watcher across reconnects: it asks for the sends after the last turn it
// returned or kept (after=), drops what it has already returned, reports a
// GAP, and shows PASSED lines as passed events.
#include <gtest/gtest.h>

#include <future>

#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

TEST(WatcherResume, AsksForWhatItMissedAndNeverReturnsATurnTwice) {
  std::promise<std::string> second_hello;
  std::vector<bool> reconnects;
  FakeServer srv({[](Peer& p) {
                    EXPECT_EQ(p.handshake(), "HELLO 2 watcher default w");
                    p.send("EVENT 1 a one\nEVENT 2 b two\n");
                    std::this_thread::sleep_for(100ms);
                    p.reset();
                  },
                  [&](Peer& p) {
                    second_hello.set_value(p.handshake().value_or(""));
                    // The backlog overlaps what was returned: 2 again, then the rest.
                    p.send("EVENT 2 b two\nPASSED 3 a\nEVENT 4 b four words\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("w", Role::watcher);
  o.on_reconnect = [&](bool resumed) { reconnects.push_back(resumed); };
  Client c(o);
  c.connect();
  std::vector<std::uint64_t> turns;
  for (int i = 0; i < 4; ++i) {
    const auto e = c.next_event();
    ASSERT_TRUE(e);
    turns.push_back(e->turn);
    if (e->turn == 3) {
      EXPECT_TRUE(e->passed);
      EXPECT_EQ(e->name, "a");
      EXPECT_EQ(e->payload, "");
    }
    if (e->turn == 4) {
      EXPECT_FALSE(e->passed);
      EXPECT_EQ(e->payload, "four words");
    }
  }
  EXPECT_EQ(turns, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(second_hello.get_future().get(), "HELLO 2 watcher default w after=2");
  EXPECT_EQ(reconnects, std::vector<bool>{true});
  c.close();
}

TEST(WatcherResume, AGapIsReported) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("EVENT 2 a x\n");
                    std::this_thread::sleep_for(100ms);
                    p.reset();
                  },
                  [](Peer& p) {
                    EXPECT_EQ(p.handshake(), "HELLO 2 watcher default w after=2");
                    p.send("GAP 2 7\nEVENT 7 b y\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("w", Role::watcher);
  o.on_gap = [&](std::uint64_t after, std::uint64_t next) { gaps.emplace_back(after, next); };
  Client c(o);
  c.connect();
  EXPECT_EQ(c.next_event()->turn, 2u);
  EXPECT_EQ(c.next_event()->turn, 7u);
  EXPECT_EQ(gaps, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{2, 7}}));
  c.close();
}

TEST(WatcherResume, EventsKeptDuringPauseCountForAfter) {
  std::promise<std::string> second_hello;
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("EVENT 5 a x\nEVENT 6 a y\n");
                    std::this_thread::sleep_for(100ms);
                    p.reset();
                  },
                  [&](Peer& p) {
                    second_hello.set_value(p.handshake().value_or(""));
                    p.send("EVENT 6 a y\nEVENT 7 a z\n");
                    p.bye();
                  }});
  Client c(srv.reconnecting_client("w", Role::watcher));
  c.connect();
  c.pause(400ms);  // keeps 5 and 6, reconnects, keeps 7 (6 again is dropped)
  EXPECT_EQ(second_hello.get_future().get(), "HELLO 2 watcher default w after=6");
  EXPECT_EQ(c.next_event()->turn, 5u);
  EXPECT_EQ(c.next_event()->turn, 6u);
  EXPECT_EQ(c.next_event()->turn, 7u);
  c.close();
}

TEST(WatcherResume, NothingSeenYetMeansNoAfter) {
  std::promise<std::string> second_hello;
  std::vector<bool> reconnects;
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("SHUTDOWN\n");
                    p.closed_within();
                  },
                  [&](Peer& p) {
                    second_hello.set_value(p.handshake().value_or(""));
                    p.send("EVENT 9 a x\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("w", Role::watcher);
  o.on_reconnect = [&](bool resumed) { reconnects.push_back(resumed); };
  Client c(o);
  c.connect();
  EXPECT_EQ(c.next_event()->turn, 9u) << "a SHUTDOWN no longer ends the stream";
  EXPECT_EQ(second_hello.get_future().get(), "HELLO 2 watcher default w");
  EXPECT_EQ(reconnects, std::vector<bool>{false});
  c.close();
}

TEST(WatcherResume, WithoutReconnectingAShutdownStillEndsTheStream) {
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("EVENT 1 a x\nSHUTDOWN\n");
    p.closed_within();
  });
  Client c(srv.client("w", Role::watcher));
  c.connect();
  EXPECT_EQ(c.next_event()->turn, 1u);
  EXPECT_EQ(c.next_event(), std::nullopt);
}

}  // namespace
}  // namespace baton::test

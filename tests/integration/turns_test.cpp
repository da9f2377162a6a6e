// Turn order over real sockets: N members take exactly turns 1..K, round-robin
// in join order, as a watcher of the ring sees them; holders and waiters leave.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "harness.hpp"

namespace baton::test {
namespace {

// Runs n members for `rounds` rounds each plus a watcher; returns the watcher's events.
std::vector<Event> run_ring(std::size_t n, std::size_t rounds) {
  auto cfg = TestServer::defaults();
  cfg.min_members = n;
  TestServer srv(cfg);
  auto wo = srv.client("watcher");
  wo.role = Role::watcher;
  Client watcher(wo);
  watcher.connect();

  std::vector<std::thread> members;
  std::atomic<int> failures{0};
  for (std::size_t i = 0; i < n; ++i) {
    members.emplace_back([&, i] {
      try {
        Client c(srv.client("m" + std::to_string(i)));
        c.connect();
        for (std::size_t r = 0; r < rounds; ++r) {
          const Grant g = c.await_grant();
          if (c.send("m" + std::to_string(i) + "-" + std::to_string(r)) != g.turn) ++failures;
        }
        c.close();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "member " << i << ": " << e.what();
        ++failures;
      }
    });
  }
  std::vector<Event> events;
  while (events.size() < n * rounds) {
    auto e = watcher.next_event();
    if (!e) break;
    events.push_back(*e);
  }
  for (auto& t : members) t.join();
  EXPECT_EQ(failures.load(), 0);
  return events;
}

void expect_round_robin(const std::vector<Event>& events, std::size_t n, std::size_t rounds) {
  ASSERT_EQ(events.size(), n * rounds);
  std::set<std::string> first;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].turn, i + 1) << "turn numbers must be exactly 1..K";
    if (i < n) first.insert(events[i].name);
    else EXPECT_EQ(events[i].name, events[i % n].name) << "round-robin in join order, at turn " << i + 1;
  }
  EXPECT_EQ(first.size(), n) << "every member takes a turn in each round";
  // Each member's payloads come in its own order: m<i>-0, m<i>-1, ...
  std::map<std::string, int> next;
  for (const auto& e : events) {
    EXPECT_EQ(e.payload, e.name + "-" + std::to_string(next[e.name]++));
  }
}

TEST(Turns, TwoMembersAlternate) { expect_round_robin(run_ring(2, 50), 2, 50); }
TEST(Turns, ThreeMembersRoundRobin) { expect_round_robin(run_ring(3, 20), 3, 20); }
TEST(Turns, FiftyMembersRoundRobin) { expect_round_robin(run_ring(50, 4), 50, 4); }

TEST(Turns, HolderLeavingMidTurnPassesTheBatonWithANewTurn) {
  auto cfg = TestServer::defaults();
  cfg.min_members = 1;
  TestServer srv(cfg);
  Client a(srv.client("a"));
  a.connect();
  EXPECT_EQ(a.await_grant().turn, 1u);  // alone with min 1: granted at once
  Client b(srv.client("b"));
  b.connect();
  Client c(srv.client("c"));
  c.connect();
  a.close();  // leaves holding turn 1, without sending
  const Grant gb = b.await_grant();
  EXPECT_EQ(gb.turn, 2u) << "turn 1 is never reused";
  EXPECT_EQ(b.send("b"), 2u);
  EXPECT_EQ(c.await_grant().turn, 3u);
  EXPECT_EQ(c.send("c"), 3u);
  EXPECT_EQ(b.await_grant().turn, 4u) << "a is out of the ring";
}

TEST(Turns, WaitingMemberLeavingIsSkippedAndQueuePositionsMove) {
  auto cfg = TestServer::defaults();
  cfg.min_members = 1;
  TestServer srv(cfg);
  Client a(srv.client("a"));
  a.connect();
  ASSERT_EQ(a.await_grant().turn, 1u);
  Client b(srv.client("b"));
  b.connect();
  std::vector<std::uint64_t> c_positions;
  auto co = srv.client("c");
  co.on_queue = [&](std::uint64_t p) { c_positions.push_back(p); };
  Client c(co);
  c.connect();
  std::vector<std::uint64_t> d_positions;
  auto dopt = srv.client("d");
  dopt.on_queue = [&](std::uint64_t p) { d_positions.push_back(p); };
  Client d(dopt);
  d.connect();
  c.close();  // waiting at position 2: d moves from 3 to 2
  EXPECT_EQ(a.send("a"), 1u);
  EXPECT_EQ(b.await_grant().turn, 2u);
  EXPECT_EQ(b.send("b"), 2u);
  EXPECT_EQ(d.await_grant().turn, 3u) << "c left, so d follows b";
  EXPECT_EQ(d_positions, (std::vector<std::uint64_t>{3, 2, 1})) << "pushed on every change, never polled";
}

TEST(Turns, SilentHolderIsRevokedAndTheRingMovesOn) {
  auto cfg = TestServer::defaults();
  cfg.min_members = 2;
  cfg.turn_timeout = 200ms;
  TestServer srv(cfg);
  RawPeer a(srv.port());
  a.hello("a");
  Client b(srv.client("b"));
  b.connect();
  const auto grant = a.line_starting("GRANT ");
  ASSERT_TRUE(grant);
  EXPECT_EQ(*grant, "GRANT 1 200");
  // a says nothing: after the timeout it is told, asked to show life, and b holds turn 2.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(a.line_starting("REVOKED "), "REVOKED 1");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  EXPECT_EQ(a.line(), "PING revoked");
  EXPECT_EQ(b.await_grant().turn, 2u);
  EXPECT_EQ(b.send("b"), 2u);
  // a is suspended until it is heard from: b goes again rather than wait on a.
  EXPECT_EQ(b.await_grant().turn, 3u);
  a.send("PONG revoked\n");
  std::this_thread::sleep_for(50ms);  // let the PONG arrive before b's send
  EXPECT_EQ(b.send("b"), 3u);
  // Alive again, a is back in the ring behind b and may use its turn.
  EXPECT_EQ(a.line_starting("GRANT "), "GRANT 4 200");
  a.send("SEND 4 late-but-fine\n");
  EXPECT_EQ(a.line_starting("ACK "), "ACK 4");
}

TEST(Turns, PingIsAnsweredAndByeLeavesCleanly) {
  TestServer srv;
  RawPeer a(srv.port());
  a.hello("a");
  a.send("PING abc\n");
  EXPECT_EQ(a.line_starting("PONG"), "PONG abc");
  a.send("BYE\n");
  EXPECT_EQ(a.line_starting("BYE"), "BYE");
  EXPECT_TRUE(a.closed_within());
}

TEST(Turns, HeartbeatIsLoweredToFitTheIdleTimeout) {
  // A careless --idle-timeout shorter than two heartbeats would drop live
  // clients between pings: the server pings (and tells clients) at half of it.
  auto cfg = TestServer::defaults();
  cfg.heartbeat = 10s;
  cfg.idle_timeout = 600ms;
  TestServer srv(cfg);
  RawPeer a(srv.port());
  EXPECT_EQ(a.line(), "BATON 1");
  a.send("HELLO 1 member default a\n");
  EXPECT_EQ(a.line(), "WELCOME default a 300");
  EXPECT_EQ(a.line_starting("PING "), "PING hb") << "pinged after 300 ms of silence";
  a.send("PONG hb\n");
  EXPECT_FALSE(a.closed_within(400ms)) << "answering keeps it";
}

}  // namespace
}  // namespace baton::test

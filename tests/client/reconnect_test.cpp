// Reconnecting: which failures are retried and which are not, the back-off
// and its bound, a server that is not up yet, and giving up. Timing bounds
// are watchdogs only; the back-off's numbers are checked on the pure clock.
#include <gtest/gtest.h>

#include <future>

#include "client/reconnect.hpp"
#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

using steady = std::chrono::steady_clock;

// A normal second connection: the member takes one turn and leaves.
FakeServer::Script one_turn(std::uint64_t t) {
  return [t](Peer& p) {
    EXPECT_TRUE(p.handshake(10000, seat_line("RESUMED", 0) + "QUEUE 1\n"));
    p.send("GRANT " + std::to_string(t) + " 30000\n");
    EXPECT_EQ(p.expect("SEND "), "SEND " + std::to_string(t) + " x");
    p.send("ACK " + std::to_string(t) + "\n");
    p.bye();
  };
}

struct Retried {
  const char* name;
  FakeServer::Script first;  // ends the first connection somehow
};

class RetriedFailure : public ::testing::TestWithParam<Retried> {};

TEST_P(RetriedFailure, IsFollowedByANewConnection) {
  std::vector<std::string> why;
  FakeServer srv({GetParam().first, one_turn(5)});
  auto o = srv.reconnecting_client("a");
  o.heartbeat = 100ms;  // a silent server is presumed dead after 300 ms
  o.on_disconnect = [&](const Error& e) { why.emplace_back(e.what()); };
  Client c(o);
  c.connect();
  EXPECT_EQ(c.await_grant().turn, 5u);
  EXPECT_EQ(c.send("x"), 5u);
  c.close();
  EXPECT_EQ(why.size(), 1u);
  EXPECT_EQ(srv.accepted(), 2);
}

FakeServer::Script after_welcome(std::string bytes) {
  return [bytes](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send(bytes);
    p.closed_within();
  };
}

INSTANTIATE_TEST_SUITE_P(
    Reconnect, RetriedFailure,
    ::testing::Values(
        Retried{"Reset",
                [](Peer& p) {
                  EXPECT_TRUE(p.handshake());
                  p.reset();
                }},
        Retried{"EndOfStream",
                [](Peer& p) { EXPECT_TRUE(p.handshake()); }},
        Retried{"Shutdown", after_welcome("SHUTDOWN\n")},
        Retried{"IdleTimeout", after_welcome("ERROR IDLE_TIMEOUT nothing heard for 20000 ms\n")},
        Retried{"PresumedDead",
                [](Peer& p) {
                  EXPECT_TRUE(p.handshake());
                  p.closed_within(5s);  // answers no PING; the client gives up on it and closes
                }},
        Retried{"ServerFull", [](Peer& p) { p.send("ERROR SERVER_FULL 2 clients connected\n"); }},
        Retried{"Quota", [](Peer& p) { p.send("ERROR QUOTA --max-conns-per-addr 128\n"); }},
        Retried{"NameTaken",
                [](Peer& p) {
                  p.send("BATON 1\n");
                  EXPECT_TRUE(p.expect("HELLO "));
                  p.send("ERROR NAME_TAKEN member a is already in ring default\n");
                  p.closed_within();
                }}),
    [](const ::testing::TestParamInfo<Retried>& i) { return std::string(i.param.name); });

class FatalCode : public ::testing::TestWithParam<const char*> {};

TEST_P(FatalCode, IsThrownAndNotRetried) {
  const std::string code = GetParam();
  int disconnects = 0;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 1 30000\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 x");
    p.send("ERROR " + code + " that is final\n");
    p.closed_within();
  });
  auto o = srv.reconnecting_client("a");
  o.on_disconnect = [&](const Error&) { ++disconnects; };
  Client c(o);
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  const auto t0 = steady::now();
  error_of([&] { c.send("x"); }, Error::Kind::rejected, code);
  EXPECT_LT(steady::now() - t0, 3s) << "waited as if to reconnect";
  EXPECT_EQ(disconnects, 0);
  // It stays the answer.
  error_of([&] { c.await_grant(); }, Error::Kind::rejected, code);
  EXPECT_EQ(srv.accepted(), 1);
}

INSTANTIATE_TEST_SUITE_P(Reconnect, FatalCode,
                         ::testing::Values("AUTH_FAILED", "FORBIDDEN", "KICKED", "SESSION_REPLACED", "RING_DRAINING",
                                           "WRONG_MODE", "BAD_FRAME", "STALE_TURN", "NOT_YOUR_TURN", "NOT_A_MEMBER",
                                           "LINE_TOO_LONG", "SOMETHING_NEW"));

TEST(Reconnect, AFatalCodeInsteadOfWelcomeIsThrownByConnect) {
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\n");
    EXPECT_TRUE(p.expect("HELLO "));
    p.send("ERROR AUTH_FAILED unknown token\n");
    p.closed_within();
  });
  Client c(srv.reconnecting_client("a"));
  error_of([&] { c.connect(); }, Error::Kind::rejected, "AUTH_FAILED");
}

TEST(Reconnect, ConnectWaitsForAServerThatIsNotUpYet) {
  FakeServer srv({[](Peer& p) {
                    EXPECT_TRUE(p.handshake());
                    p.send("GRANT 1 30000\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 1 x");
                    p.send("ACK 1\n");
                    p.bye();
                  }},
                 {.listen_after = 500ms});
  Client c(srv.reconnecting_client("a"));
  ASSERT_NO_THROW(c.connect());
  EXPECT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send("x"), 1u);
}

TEST(Reconnect, WithoutReconnectingARefusedConnectFailsAtOnce) {
  FakeServer srv(std::vector<FakeServer::Script>{}, {.listen_after = 10s});
  Client c(srv.client("a"));
  const auto t0 = steady::now();
  error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_LT(steady::now() - t0, 2s);
}

TEST(Reconnect, ConnectGivesUpAfterTheLimit) {
  FakeServer srv(std::vector<FakeServer::Script>{}, {.listen_after = 30s});
  auto o = srv.reconnecting_client("a");
  o.reconnect.give_up_after = 300ms;
  Client c(o);
  const auto t0 = steady::now();
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  const auto took = steady::now() - t0;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(has(what, "giving up")) << what;
  EXPECT_TRUE(has(what, "refused")) << what;  // the last attempt's reason
}

TEST(Reconnect, ALostConnectionGivesUpAfterTheLimitInsideTheCall) {
  int disconnects = 0, reconnects = 0;
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    std::this_thread::sleep_for(50ms);
    p.reset();  // and no one listens any more
  });
  auto o = srv.reconnecting_client("a");
  o.reconnect.give_up_after = 300ms;
  o.on_disconnect = [&](const Error&) { ++disconnects; };
  o.on_reconnect = [&](bool) { ++reconnects; };
  Client c(o);
  c.connect();
  error_of([&] { c.await_grant(); }, Error::Kind::unavailable);
  EXPECT_EQ(disconnects, 1);
  EXPECT_EQ(reconnects, 0);
}

TEST(Reconnect, ManyRefusalsInARowStayWithinTheCap) {
  // Five SERVER_FULL answers, then a seat: with a 50 ms cap the five waits
  // are at most 250 ms together; the watchdog is far above that.
  std::vector<FakeServer::Script> scripts(5, [](Peer& p) { p.send("ERROR SERVER_FULL full\n"); });
  scripts.push_back([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.bye();
  });
  FakeServer srv(std::move(scripts));
  Client c(srv.reconnecting_client("a"));
  const auto t0 = steady::now();
  ASSERT_NO_THROW(c.connect());
  EXPECT_LT(steady::now() - t0, 4s);
  EXPECT_EQ(srv.accepted(), 6);
}

// The back-off alone.
TEST(Backoff, WaitsStayUnderTheDoublingWindowAndTheCap) {
  ReconnectPolicy p;
  p.initial_delay = 100ms;
  p.max_delay = 5000ms;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    detail::Backoff b(p, seed);
    for (int n = 0; n < 40; ++n) {
      const auto w = b.next();
      const auto window = std::min<std::chrono::milliseconds>(p.max_delay, 100ms * (1LL << std::min(n, 20)));
      EXPECT_GE(w.count(), 0);
      EXPECT_LE(w, window) << "wait " << n;
    }
  }
}

TEST(Backoff, IsJitteredAndGrows) {
  ReconnectPolicy p;
  p.initial_delay = 100ms;
  p.max_delay = 5000ms;
  std::chrono::milliseconds first_max{0}, late_max{0}, late_min{std::chrono::hours(1)};
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    detail::Backoff b(p, seed);
    first_max = std::max(first_max, b.next());
    for (int n = 1; n < 10; ++n) b.next();
    const auto late = b.next();
    late_max = std::max(late_max, late);
    late_min = std::min(late_min, late);
  }
  EXPECT_LE(first_max, 100ms);
  EXPECT_GT(late_max, 2500ms) << "the window should have reached the 5 s cap";
  EXPECT_LT(late_min, 2500ms) << "full jitter: anywhere in [0, cap]";
  detail::Backoff b(p, 7);
  for (int n = 0; n < 10; ++n) b.next();
  b.reset();
  EXPECT_LE(b.next(), 100ms);
}

TEST(Backoff, OutageBoundsTheWait) {
  const auto t0 = steady::time_point{} + std::chrono::hours(1);
  const detail::Outage o(t0, 300ms);
  EXPECT_FALSE(o.over(t0 + 299ms));
  EXPECT_TRUE(o.over(t0 + 300ms));
  EXPECT_EQ(o.left(t0 + 250ms, 5000ms), 50ms);
  EXPECT_EQ(o.left(t0 + 100ms, 20ms), 20ms);
  EXPECT_EQ(o.left(t0 + 1s, 20ms), 0ms);
  const detail::Outage forever(t0, 0ms);
  EXPECT_FALSE(forever.over(t0 + std::chrono::hours(100)));
  EXPECT_EQ(forever.left(t0 + std::chrono::hours(100), 5000ms), 5000ms);
}

TEST(Backoff, RetryableFailures) {
  using K = Error::Kind;
  EXPECT_TRUE(detail::retryable(Error(K::closed, "", "x")));
  EXPECT_TRUE(detail::retryable(Error(K::unavailable, "", "x")));
  for (const char* c : {"IDLE_TIMEOUT", "SERVER_FULL", "QUOTA", "NAME_TAKEN", "HELLO_TIMEOUT"})
    EXPECT_TRUE(detail::retryable(Error(K::rejected, c, "x"))) << c;
  for (const char* c : {"AUTH_FAILED", "BAD_VERSION", "KICKED", "STALE_TURN", ""})
    EXPECT_FALSE(detail::retryable(Error(K::rejected, c, "x"))) << c;
  for (K k : {K::protocol, K::usage, K::revoked, K::in_doubt}) EXPECT_FALSE(detail::retryable(Error(k, "", "x")));
}

}  // namespace
}  // namespace baton::test

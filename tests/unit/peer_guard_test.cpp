// Per-address bookkeeping: keys, each bound, failure delays, eviction.
#include "core/peer_guard.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace baton {
namespace {

using namespace std::chrono_literals;
using Admit = PeerGuard::Admit;
using Key = PeerGuard::Key;

const PeerGuard::Clock::time_point t0{std::chrono::hours(1000)};

Key v4(unsigned char a, unsigned char b, unsigned char c, unsigned char d) {
  const std::array<unsigned char, 4> bytes{a, b, c, d};
  return PeerGuard::key_of(bytes);
}

Key v6(std::array<unsigned char, 16> bytes) { return PeerGuard::key_of(bytes); }

PeerGuard::Limits no_limits() {
  PeerGuard::Limits l;
  l.max_conns_per_addr = 0;
  l.conn_rate_per_sec = 0;
  return l;
}

TEST(PeerGuard, KeysOfAddresses) {
  EXPECT_EQ(PeerGuard::describe(v4(192, 0, 2, 7)), "192.0.2.7");
  // ::ffff:192.0.2.7 is the same peer, seen through a dual-stack socket.
  const auto mapped = v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7});
  EXPECT_EQ(mapped, v4(192, 0, 2, 7));
  EXPECT_FALSE(mapped.v6);
  // One /64, whatever the interface identifier.
  const auto a = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8});
  const auto b = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9});
  const auto other = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(PeerGuard::describe(a), "2001:db8:0:1::/64");
  // An IPv6 prefix that looks like an IPv4 address is still IPv6.
  EXPECT_NE(v6({192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), v4(192, 0, 2, 7));
  const std::array<unsigned char, 5> odd{};
  EXPECT_THROW(PeerGuard::key_of(odd), std::invalid_argument);
}

TEST(PeerGuard, ConnectionsPerAddress) {
  auto limits = no_limits();
  limits.max_conns_per_addr = 2;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  EXPECT_EQ(g.admit(a, t0), Admit::ok);
  EXPECT_EQ(g.admit(a, t0), Admit::ok);
  EXPECT_EQ(g.admit(a, t0), Admit::too_many_conns);
  EXPECT_EQ(g.admit(v4(10, 0, 0, 2), t0), Admit::ok) << "another address has its own count";
  EXPECT_EQ(g.connections(a), 2u);
  g.release(a);
  EXPECT_EQ(g.admit(a, t0), Admit::ok);
  EXPECT_EQ(g.admit(a, t0), Admit::too_many_conns);
  g.release(a);
  g.release(a);
  g.release(a);  // one too many: ignored, never below zero
  EXPECT_EQ(g.connections(a), 0u);
}

TEST(PeerGuard, ConnectionRateAndBurst) {
  auto limits = no_limits();
  limits.conn_rate_per_sec = 10;  // one per 100 ms
  limits.conn_burst = 3;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(g.admit(a, t0), Admit::ok) << i;
  EXPECT_EQ(g.admit(a, t0), Admit::too_fast);
  EXPECT_EQ(g.admit(a, t0 + 99ms), Admit::too_fast);
  EXPECT_EQ(g.admit(a, t0 + 100ms), Admit::ok) << "one token back";
  EXPECT_EQ(g.admit(a, t0 + 100ms), Admit::too_fast);
  // Refusals cost nothing: a full second later the whole burst is back.
  EXPECT_EQ(g.admit(a, t0 + 1100ms), Admit::ok);
  EXPECT_EQ(g.admit(a, t0 + 1100ms), Admit::ok);
  EXPECT_EQ(g.admit(a, t0 + 1100ms), Admit::ok);
  EXPECT_EQ(g.admit(a, t0 + 1100ms), Admit::too_fast);
  EXPECT_EQ(g.connections(a), 7u) << "the rate is about opening, not holding";
}

TEST(PeerGuard, TooManyConnsTakesNoRateToken) {
  auto limits = no_limits();
  limits.max_conns_per_addr = 1;
  limits.conn_rate_per_sec = 1;
  limits.conn_burst = 2;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  EXPECT_EQ(g.admit(a, t0), Admit::ok);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g.admit(a, t0), Admit::too_many_conns);
  g.release(a);
  EXPECT_EQ(g.admit(a, t0), Admit::ok);
}

TEST(PeerGuard, ZeroBurstMeansOne) {
  auto limits = no_limits();
  limits.conn_rate_per_sec = 1;
  limits.conn_burst = 0;
  PeerGuard g(limits);
  EXPECT_EQ(g.admit(v4(1, 1, 1, 1), t0), Admit::ok);
  EXPECT_EQ(g.admit(v4(1, 1, 1, 1), t0 + 999ms), Admit::too_fast);
  EXPECT_EQ(g.admit(v4(1, 1, 1, 1), t0 + 1s), Admit::ok);
}

TEST(PeerGuard, FailureDelayGrowsCapsAndIsForgotten) {
  auto limits = no_limits();
  limits.fail_delay_step = 200ms;
  limits.fail_delay_max = 700ms;
  limits.fail_forget = 60s;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  EXPECT_EQ(g.failure_delay(a, t0), 0ms);
  g.note_failure(a, t0);
  EXPECT_EQ(g.failure_delay(a, t0), 200ms);
  EXPECT_EQ(g.failure_delay(v4(10, 0, 0, 2), t0), 0ms);
  g.note_failure(a, t0 + 1s);
  g.note_failure(a, t0 + 2s);
  EXPECT_EQ(g.failure_delay(a, t0 + 2s), 600ms);
  g.note_failure(a, t0 + 3s);
  EXPECT_EQ(g.failure_delay(a, t0 + 3s), 700ms) << "capped";
  // Counted from the last failure, not the first.
  EXPECT_EQ(g.failure_delay(a, t0 + 62s), 700ms);
  EXPECT_EQ(g.failure_delay(a, t0 + 63s), 0ms);
  g.note_failure(a, t0 + 63s);
  EXPECT_EQ(g.failure_delay(a, t0 + 63s), 200ms) << "starts over";
}

TEST(PeerGuard, FailureCountCannotOverflowTheDelay) {
  auto limits = no_limits();
  limits.fail_delay_step = 1ms;
  limits.fail_delay_max = std::chrono::milliseconds::max();
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  for (int i = 0; i < 1000; ++i) g.note_failure(a, t0);
  EXPECT_EQ(g.failure_delay(a, t0), 1000ms);
}

TEST(PeerGuard, MemoryIsBoundedAndIdleKeysAreEvictedOldestFirst) {
  auto limits = no_limits();
  limits.max_tracked_addrs = 3;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2), c = v4(10, 0, 0, 3), d = v4(10, 0, 0, 4);
  g.note_failure(a, t0);
  g.note_failure(b, t0 + 1s);
  g.note_failure(c, t0 + 2s);
  g.note_failure(a, t0 + 3s);  // a is now the most recently used
  EXPECT_EQ(g.tracked(), 3u);
  g.note_failure(d, t0 + 4s);
  EXPECT_EQ(g.tracked(), 3u);
  EXPECT_EQ(g.failure_delay(b, t0 + 4s), 0ms) << "b was the oldest";
  EXPECT_GT(g.failure_delay(a, t0 + 4s), 0ms);
  EXPECT_GT(g.failure_delay(c, t0 + 4s), 0ms);
  EXPECT_GT(g.failure_delay(d, t0 + 4s), 0ms);
}

TEST(PeerGuard, KeysWithOpenConnectionsAreNeverEvicted) {
  auto limits = no_limits();
  limits.max_tracked_addrs = 2;
  limits.max_conns_per_addr = 1;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2), c = v4(10, 0, 0, 3);
  ASSERT_EQ(g.admit(a, t0), Admit::ok);
  ASSERT_EQ(g.admit(b, t0), Admit::ok);
  // Full of open connections: c is admitted, untracked, and a and b keep their counts.
  EXPECT_EQ(g.admit(c, t0), Admit::ok);
  EXPECT_EQ(g.admit(c, t0), Admit::ok) << "untracked: no per-address bound";
  EXPECT_EQ(g.tracked(), 2u);
  EXPECT_EQ(g.admit(a, t0), Admit::too_many_conns);
  EXPECT_EQ(g.admit(b, t0), Admit::too_many_conns);
  g.release(c);  // an untracked connection: nothing to do
  g.note_failure(c, t0);
  EXPECT_EQ(g.failure_delay(c, t0), 0ms);
  // Once b closes, its key is the one that makes room.
  g.release(b);
  EXPECT_EQ(g.admit(c, t0), Admit::ok);
  EXPECT_EQ(g.admit(c, t0), Admit::too_many_conns) << "tracked again";
  EXPECT_EQ(g.connections(a), 1u);
  EXPECT_EQ(g.tracked(), 2u);
}

TEST(PeerGuard, AFloodOfAddressesStaysWithinTheBound) {
  auto limits = no_limits();
  limits.max_tracked_addrs = 1000;
  limits.conn_rate_per_sec = 1;
  PeerGuard g(limits, 0x1234);
  for (unsigned i = 0; i < 100000; ++i) {
    std::array<unsigned char, 16> bytes{0x20, 0x01, 0x0d, 0xb8, static_cast<unsigned char>(i >> 16),
                                        static_cast<unsigned char>(i >> 8), static_cast<unsigned char>(i)};
    const auto k = v6(bytes);
    if (g.admit(k, t0) == Admit::ok) g.release(k);
    g.note_failure(k, t0);
    ASSERT_LE(g.tracked(), 1000u);
  }
}

TEST(PeerGuard, KeysThatRememberNothingAreDropped) {
  auto limits = no_limits();
  limits.conn_rate_per_sec = 1;
  limits.fail_forget = 10s;
  PeerGuard g(limits);
  const auto a = v4(10, 0, 0, 1);
  ASSERT_EQ(g.admit(a, t0), Admit::ok);
  g.note_failure(a, t0);
  g.release(a);
  // Still remembered: a's failure and its spent token.
  ASSERT_EQ(g.admit(v4(10, 0, 0, 2), t0 + 1s), Admit::ok);
  EXPECT_EQ(g.tracked(), 2u);
  // Once both are past, the next new key takes a's place.
  ASSERT_EQ(g.admit(v4(10, 0, 0, 3), t0 + 11s), Admit::ok);
  EXPECT_EQ(g.tracked(), 2u);
  EXPECT_EQ(g.connections(v4(10, 0, 0, 2)), 1u);
}

TEST(PeerGuard, RejectsNonsenseLimits) {
  auto limits = no_limits();
  limits.conn_rate_per_sec = -1;
  EXPECT_THROW(PeerGuard{limits}, std::invalid_argument);
  limits.conn_rate_per_sec = std::numeric_limits<double>::infinity();
  EXPECT_THROW(PeerGuard{limits}, std::invalid_argument);
  limits.conn_rate_per_sec = 1e-9;
  EXPECT_THROW(PeerGuard{limits}, std::invalid_argument);
  limits = no_limits();
  limits.max_tracked_addrs = 0;
  EXPECT_THROW(PeerGuard{limits}, std::invalid_argument);
}

}  // namespace
}  // namespace baton

// The hub's rules, without sockets: what each participant is told, in which
// order, and what reaches the journal before anyone hears of it.
#include "core/hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "hub_fakes.hpp"

namespace baton::test {
namespace {

using namespace std::chrono_literals;

struct HubTest : ::testing::Test {
  FakeClock clock;
  FakeLog log;
  FakeJournal journal;
  People people;

  HubConfig config(bool from_clock = false) {
    HubConfig c;
    c.min_members = 2;
    c.turn_timeout = 1000ms;
    c.journal_retry = 100ms;
    c.turns_from_clock = from_clock;
    c.now = [this] { return clock.t; };
    c.wall_micros = [] { return std::uint64_t{1'800'000'000'000'000}; };
    return c;
  }
  FakeParticipant& join(Hub& hub, const std::string& name, const std::string& ring = "default", bool watcher = false) {
    return people.join(hub, name, ring, watcher);
  }
  void SetUp() override { FakeParticipant::shared_readied().clear(); }
};

TEST_F(HubTest, RoundRobinAckBeforeTheSendersNextGrantAndTheNextHolderReadiedFirst) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  auto& w = join(hub, "w", "default", true);
  EXPECT_EQ(a.last("GRANT"), "GRANT 1 1000");
  EXPECT_EQ(b.last("QUEUE"), "QUEUE 1");
  FakeParticipant::shared_readied().clear();
  hub.submit(a, 1, "hello");
  EXPECT_EQ(a.last("ACK"), "ACK 1");
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  EXPECT_EQ(w.last("EVENT"), "EVENT 1 a hello");
  const auto& order = FakeParticipant::shared_readied();
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order.front(), b.id()) << "the next holder's GRANT is on the critical path: written first";
  EXPECT_TRUE(log.has("a sent: hello (ring default turn 1)"));
}

TEST_F(HubTest, AOneMemberRingIsAckedBeforeItsNextGrant) {
  auto c = config();
  c.min_members = 1;
  Hub hub(c, log, nullptr, 0);
  auto& a = join(hub, "a");
  hub.submit(a, 1, "x");
  ASSERT_GE(a.told.size(), 2u);
  EXPECT_EQ(a.told[a.told.size() - 2], "ACK 1");
  EXPECT_EQ(a.told.back(), "GRANT 2 1000");
}

TEST_F(HubTest, NameTakenOutOfTurnAndStaleAreRefused) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  auto& dup = join(hub, "a");
  EXPECT_EQ(dup.last("ERROR"), "ERROR NAME_TAKEN");
  hub.submit(b, 1, "sneaky");
  EXPECT_EQ(b.last("ERROR"), "ERROR NOT_YOUR_TURN");
  EXPECT_EQ(a.last("GRANT"), "GRANT 1 1000") << "the holder never noticed";
  auto& c = join(hub, "c");
  hub.submit(a, 1, "ok");
  hub.submit(c, 1, "late");
  EXPECT_EQ(c.last("ERROR"), "ERROR STALE_TURN");
}

TEST_F(HubTest, DeadlinesExpireInOrderWithoutAScanAndARevokedSendCrossingIsForgivenOnce) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  EXPECT_EQ(hub.next_deadline(), clock.t + 1000ms);
  clock.advance(999ms);
  hub.expire_due();
  EXPECT_EQ(a.last("REVOKED"), "");
  clock.advance(1ms);
  hub.expire_due();
  EXPECT_EQ(a.last("REVOKED"), "REVOKED 1");
  EXPECT_TRUE(a.suspended);
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  hub.submit(a, 1, "crossed");  // written before its REVOKED arrived
  EXPECT_EQ(a.last("ERROR"), "") << "a SEND crossing its REVOKED is not fatal";
  EXPECT_EQ(a.last("ACK"), "");
  hub.submit(a, 1, "again");
  EXPECT_EQ(a.last("ERROR"), "ERROR STALE_TURN") << "only once";
}

TEST_F(HubTest, EmptyRingsAreDeletedAndTheirNumbersNeverReused) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = join(hub, "a", "r");
  auto& b = join(hub, "b", "r");
  hub.submit(a, 1, "x");
  EXPECT_EQ(hub.ring_count(), 1u);
  hub.leave(a);
  hub.leave(b);
  EXPECT_EQ(hub.ring_count(), 0u) << "an empty ring costs nothing";
  auto& c = join(hub, "c", "r");
  auto& d = join(hub, "d", "r");
  (void)d;
  EXPECT_EQ(c.last("GRANT"), "GRANT 3 1000") << "turns 1 and 2 of ring r were granted before it was deleted";
}

TEST_F(HubTest, NumbersFromTheClockStartAtTheWallClockInMicroseconds) {
  Hub hub(config(/*from_clock=*/true), log, nullptr, 0);
  auto& a = join(hub, "a");
  join(hub, "b");
  EXPECT_EQ(a.last("GRANT"), "GRANT 1800000000000000 1000");
}

TEST_F(HubTest, WithAJournalNothingIsAckedUntilCommitAndTheGrantIsReservedFirst) {
  Hub hub(config(), log, &journal, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  EXPECT_GE(journal.reserved, 1u) << "turn 1 was reserved before it was granted";
  hub.submit(a, 1, "x");
  EXPECT_EQ(a.last("ACK"), "") << "not acked before the journal has it";
  EXPECT_EQ(b.last("GRANT"), "") << "the ring moves only once the send is durable";
  EXPECT_TRUE(hub.commit_due());
  hub.commit();
  EXPECT_EQ(journal.durable.back(), "S default 1 a x");
  EXPECT_EQ(a.last("ACK"), "ACK 1");
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
}

TEST_F(HubTest, OneCommitCoversEverySendOfThePass) {
  auto c = config();
  Hub hub(c, log, &journal, 0);
  std::vector<FakeParticipant*> holders;
  for (int r = 0; r < 10; ++r) {
    holders.push_back(&join(hub, "a", "r" + std::to_string(r)));
    join(hub, "b", "r" + std::to_string(r));
  }
  for (auto* h : holders) hub.submit(*h, 1, "x");
  const int before = journal.commits;
  hub.commit();
  EXPECT_EQ(journal.commits, before + 1);
  for (auto* h : holders) EXPECT_EQ(h->last("ACK"), "ACK 1");
}

TEST_F(HubTest, AFailingJournalStallsTheRingKeepsTheSendAndResumesByItself) {
  Hub hub(config(), log, &journal, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  journal.failing = true;
  hub.submit(a, 1, "kept");
  hub.commit();
  EXPECT_EQ(a.last("ACK"), "");
  EXPECT_EQ(a.last("NOTICE"), "NOTICE JOURNAL_STALLED");
  EXPECT_EQ(b.last("NOTICE"), "NOTICE JOURNAL_STALLED");
  clock.advance(5000ms);  // far past the turn timeout: the server is stuck, not the holder
  hub.expire_due();
  EXPECT_EQ(a.last("REVOKED"), "");
  EXPECT_EQ(a.last("ACK"), "");
  journal.failing = false;
  clock.advance(100ms);
  ASSERT_LE(hub.next_deadline(), clock.t);
  hub.expire_due();
  EXPECT_EQ(a.last("ACK"), "ACK 1");
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  EXPECT_EQ(b.last("NOTICE"), "NOTICE JOURNAL_RESUMED");
  EXPECT_EQ(journal.durable.back(), "S default 1 a kept");
}

TEST_F(HubTest, ARingThatCannotReserveItsNextNumberGrantsNothing) {
  Hub hub(config(), log, &journal, 0);
  journal.failing = true;
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  EXPECT_EQ(a.last("GRANT"), "");
  EXPECT_EQ(b.last("GRANT"), "");
  EXPECT_EQ(a.last("NOTICE"), "NOTICE JOURNAL_STALLED");
  journal.failing = false;
  clock.advance(100ms);
  hub.expire_due();
  EXPECT_EQ(a.last("GRANT"), "GRANT 1 1000");
}

TEST_F(HubTest, ASendDurableOnRetryIsAckedOnceEvenIfTheNextNumberCannotBeReserved) {
  Hub hub(config(), log, &journal, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  const std::uint64_t last = journal.reserved;  // the last number turn 1's reservation covers
  for (std::uint64_t t = 1; t < last; ++t) {
    hub.submit(t % 2 ? a : b, t, "x");
    hub.commit();
  }
  auto& holder = last % 2 ? a : b;
  ASSERT_EQ(holder.last("GRANT"), fmt::format("GRANT {} 1000", last));
  journal.failing = true;
  hub.submit(holder, last, "edge");
  hub.commit();
  journal.failing = false;
  journal.fail_reserve = true;  // the send can be written now, a new reservation can't
  for (int i = 0; i < 3; ++i) {
    clock.advance(100ms);
    hub.expire_due();
  }
  EXPECT_EQ(holder.last("ACK"), fmt::format("ACK {}", last)) << "durable, so acked";
  const auto copies = std::count(journal.durable.begin(), journal.durable.end(), fmt::format("S default {} {} edge", last, holder.who().name));
  EXPECT_EQ(copies, 1) << "retries must not write a durable send again";
  journal.fail_reserve = false;
  clock.advance(100ms);
  hub.expire_due();
  auto& next = last % 2 ? b : a;
  EXPECT_EQ(next.last("GRANT"), fmt::format("GRANT {} 1000", last + 1));
}

TEST_F(HubTest, AHolderThatLeavesWithASendPendingTakesItWith) {
  Hub hub(config(), log, &journal, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  hub.submit(a, 1, "gone");
  hub.leave(a);
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  hub.commit();
  for (const auto& r : journal.durable) EXPECT_EQ(r.find("gone"), std::string::npos) << "never acked, never journaled";
}

TEST_F(HubTest, FloorFromTheJournalKeepsNumbersAboveIt) {
  Hub hub(config(), log, &journal, 70000);
  auto& a = join(hub, "a");
  join(hub, "b");
  EXPECT_EQ(a.last("GRANT"), "GRANT 70001 1000");
}

}  // namespace
}  // namespace baton::test

// What the hub shows the admin API (core/hub_view.cpp): counters, ring
// summaries in name order and paged, members in turn order, each ring's
// history, and the live feed of changes. No sockets.
#include <gtest/gtest.h>

#include "core/hub.hpp"
#include "core/ring_history.hpp"
#include "core/stat_counter.hpp"
#include "hub_fakes.hpp"

namespace baton::test {
namespace {

using namespace std::chrono_literals;

struct HubViewTest : ::testing::Test {
  FakeClock clock;
  FakeLog log;
  People people;
  std::uint64_t wall_us = 1'800'000'000'000'000;

  HubConfig config() {
    HubConfig c;
    c.min_members = 2;
    c.turn_timeout = 1000ms;
    c.turns_from_clock = false;
    c.history = 4;
    c.now = [this] { return clock.t; };
    c.wall_micros = [this] { return wall_us; };
    return c;
  }
  void SetUp() override { FakeParticipant::shared_readied().clear(); }
};

TEST(StatCounter, HistogramBucketsAreUpperBoundsInclusive) {
  HandoffHistogram h(kHandoffBoundsNs);
  h.observe(5us);      // exactly on the first bound: in it
  h.observe(6us);      // the second
  h.observe(2s);       // beyond the last: +Inf
  h.observe(-1ns);     // a clock that went back counts as 0
  EXPECT_EQ(h.bucket(0), 2u);
  EXPECT_EQ(h.bucket(1), 1u);
  EXPECT_EQ(h.bucket(h.size()), 1u);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.sum_ns(), 5'000u + 6'000u + 2'000'000'000u);
}

TEST(RingHistory, KeepsTheLastEventsInOrderAndTruncatesPayloads) {
  RingHistory h(3);
  EXPECT_TRUE(h.since(0).empty());
  for (int i = 1; i <= 5; ++i) h.push(RingEvent::Kind::sent, 100 + i, "a", std::string(i == 5 ? 300 : 1, 'x'), i);
  const auto all = h.since(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.front().seq, 3u);
  EXPECT_EQ(all.front().turn, 103u);
  EXPECT_EQ(all.back().seq, 5u);
  EXPECT_EQ(all.back().payload.size(), kHistoryPayloadBytes);
  EXPECT_TRUE(all.back().truncated);
  EXPECT_FALSE(all.front().truncated);
  EXPECT_EQ(h.first_seq(), 3u);
  EXPECT_EQ(h.since(4).size(), 1u);
  RingHistory none(0);
  none.push(RingEvent::Kind::joined, 1, "a", "", 0);
  EXPECT_TRUE(none.since(0).empty());
}

TEST_F(HubViewTest, CountsGrantsSendsHoldTimeAndTurnsEndedWithoutASend) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = people.join(hub, "a");
  EXPECT_EQ(hub.stats().waiting.get(), 1) << "one member of two: waiting";
  auto& b = people.join(hub, "b");
  EXPECT_EQ(hub.stats().waiting.get(), 0);
  EXPECT_EQ(hub.stats().grants.get(), 1u);
  clock.t += 3ms;
  hub.submit(a, 1, "x");
  EXPECT_EQ(hub.stats().sends.get(), 1u);
  EXPECT_EQ(hub.stats().grants.get(), 2u);
  EXPECT_EQ(hub.stats().hold.count(), 1u);
  EXPECT_EQ(hub.stats().hold.sum_ns(), 3'000'000u) << "grant to send on the hub's clock";
  clock.t += 1001ms;
  hub.expire_due();  // b let turn 2 time out
  EXPECT_EQ(hub.stats().revoked.get(), 1u);
  hub.leave(a);      // a held turn 3: it ends without a send
  EXPECT_EQ(hub.stats().holder_left.get(), 1u);
  EXPECT_EQ(hub.stats().rings.get(), 1);
  hub.leave(b);
  EXPECT_EQ(hub.stats().rings.get(), 0) << "the empty ring is deleted";
  EXPECT_EQ(hub.stats().waiting.get(), 0);
}

TEST_F(HubViewTest, RingsArePagedInNameOrder) {
  Hub hub(config(), log, nullptr, 0);
  for (const char* r : {"delta", "alpha", "charlie", "bravo"}) people.join(hub, std::string("w-") + r, r, true);
  auto page = hub.list_rings("", 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].name, "alpha");
  EXPECT_EQ(page[1].name, "bravo");
  page = hub.list_rings("bravo", 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].name, "charlie");
  EXPECT_EQ(page[1].name, "delta");
  EXPECT_TRUE(hub.list_rings("delta", 2).empty());
  EXPECT_EQ(hub.list_rings("b", 10).size(), 3u) << "after need not be a ring";
  EXPECT_EQ(page[0].watchers, 1u);
  EXPECT_EQ(page[0].state, RingSummary::State::waiting);
}

TEST_F(HubViewTest, DetailShowsMembersInTurnOrderAndTheHistory) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = people.join(hub, "a");
  people.join(hub, "b");
  people.join(hub, "c");
  hub.submit(a, 1, "one");  // b holds 2; c, a wait
  clock.t += 250ms;
  const auto d = hub.ring_detail("default");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->summary.holder, "b");
  EXPECT_EQ(d->summary.turn, 2u);
  EXPECT_EQ(d->summary.queue, 2u);
  EXPECT_EQ(d->summary.turn_left_ms, 750);
  EXPECT_EQ(d->summary.state, RingSummary::State::running);
  ASSERT_EQ(d->members.size(), 3u);
  EXPECT_EQ(d->members[0].name, "b");
  EXPECT_EQ(d->members[0].position, 0u);
  EXPECT_EQ(d->members[0].state, MemberView::State::holder);
  EXPECT_EQ(d->members[1].name, "c");
  EXPECT_EQ(d->members[2].name, "a");
  EXPECT_EQ(d->members[2].position, 2u);
  // a history of 4: joined a, joined b, joined c, sent
  ASSERT_EQ(d->events.size(), 4u);
  EXPECT_EQ(d->events[0].kind, RingEvent::Kind::joined);
  EXPECT_EQ(d->events[0].name, "a");
  EXPECT_EQ(d->events[3].kind, RingEvent::Kind::sent);
  EXPECT_EQ(d->events[3].payload, "one");
  EXPECT_EQ(d->events[3].turn, 1u);
  EXPECT_EQ(d->events[3].at_ms, wall_us / 1000);
  EXPECT_FALSE(hub.ring_detail("nosuch"));

  bool complete = false;
  std::uint64_t last = 0;
  auto after = hub.events_after("default", 0, &complete, &last);
  EXPECT_EQ(after.size(), 2u) << "c joined during turn 1, then the send of turn 1";
  EXPECT_TRUE(complete) << "nothing was overwritten yet";
  EXPECT_EQ(last, 4u);
  clock.t += 1001ms;
  hub.expire_due();          // b revoked at 2; c holds 3
  hub.submit(people.at("c"), 3, "three");
  after = hub.events_after("default", 0, &complete, &last);
  EXPECT_FALSE(complete) << "the joins of turn 0 were overwritten";
}

TEST_F(HubViewTest, TheFeedCollectsOnlyWhileOnAndCoalescesPerRing) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = people.join(hub, "a");
  people.join(hub, "b");
  EXPECT_FALSE(hub.feed_pending()) << "nobody watches: nothing is collected";
  hub.feed_all(true);
  hub.submit(a, 1, "x");
  hub.submit(people.at("b"), 2, "y");
  ASSERT_TRUE(hub.feed_pending());
  auto batch = hub.take_changes(100);
  ASSERT_EQ(batch.rings.size(), 1u) << "two turns, one message";
  EXPECT_EQ(batch.rings[0].turn, 3u);
  EXPECT_TRUE(batch.events.empty()) << "events only for rings with streams of their own";
  EXPECT_FALSE(hub.feed_pending());

  hub.feed_ring("default", +1);
  hub.submit(a, 3, "z");
  batch = hub.take_changes(100);
  ASSERT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.events[0].events.size(), 1u) << "only what came after the stream opened";
  EXPECT_EQ(batch.events[0].events[0].payload, "z");

  hub.feed_all(false);
  hub.leave(a);
  hub.leave(people.at("b"));
  batch = hub.take_changes(100);
  ASSERT_EQ(batch.gone.size(), 1u) << "a watched ring that is deleted is reported gone";
  EXPECT_EQ(batch.gone[0], "default");
  ASSERT_FALSE(batch.events.empty()) << "with the events that emptied it";
  const auto& last = batch.events.back().events;
  ASSERT_GE(last.size(), 2u);
  EXPECT_EQ(last[last.size() - 2].kind, RingEvent::Kind::left) << "a left while b held turn 4";
  EXPECT_EQ(last.back().kind, RingEvent::Kind::holder_left);
  hub.feed_ring("default", -1);
  people.join(hub, "c");
  EXPECT_FALSE(hub.feed_pending());
}

TEST_F(HubViewTest, ExportedRingsKeepTheirGauges) {
  RingGauges g;
  g.name = "pay";
  auto c = config();
  c.exported = [&](const std::string& n) { return n == "pay" ? &g : nullptr; };
  Hub hub(c, log, nullptr, 0);
  auto& a = people.join(hub, "a", "pay");
  people.join(hub, "b", "pay");
  people.join(hub, "w", "pay", true);
  people.join(hub, "x", "other");
  hub.submit(a, 1, "x");
  EXPECT_EQ(g.members.get(), 2);
  EXPECT_EQ(g.watchers.get(), 1);
  EXPECT_EQ(g.turn.get(), 2);
  EXPECT_EQ(g.grants.get(), 2u);
}

}  // namespace
}  // namespace baton::test

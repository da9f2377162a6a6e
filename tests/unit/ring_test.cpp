// The turn state machine alone: no sockets, no clocks.
#include "core/ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace baton {
namespace {

using K = Effect::Kind;

std::vector<Effect> of_kind(const Effects& e, K k) {
  std::vector<Effect> out;
  std::copy_if(e.begin(), e.end(), std::back_inserter(out), [k](const Effect& x) { return x.kind == k; });
  return out;
}

std::optional<std::uint64_t> queue_of(const Effects& e, MemberId m) {
  std::optional<std::uint64_t> p;
  for (const auto& x : e)
    if (x.kind == K::queue && x.member == m) p = x.value;
  return p;
}

TEST(Ring, FirstGrantWaitsForMinMembers) {
  Ring r(3);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  EXPECT_TRUE(of_kind(e, K::grant).empty());
  EXPECT_EQ(queue_of(e, 1), 1u) << "before the start, position = grants before yours + 1";
  EXPECT_EQ(queue_of(e, 2), 2u);
  EXPECT_FALSE(r.holder());
  e.clear();
  r.join(3, e);
  const auto grants = of_kind(e, K::grant);
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].member, 1u);
  EXPECT_EQ(grants[0].value, 1u);
  EXPECT_EQ(queue_of(e, 2), 1u);
  EXPECT_EQ(queue_of(e, 3), 2u);
  EXPECT_EQ(r.holder(), 1u);
}

// Drives n members through k accepted sends; returns the holder of each turn.
std::vector<MemberId> drive(std::size_t n, std::size_t k) {
  Ring r(n);
  Effects e;
  for (MemberId m = 1; m <= n; ++m) r.join(m, e);
  std::vector<MemberId> holders;
  for (std::size_t t = 1; t <= k; ++t) {
    EXPECT_EQ(r.turn(), t);
    holders.push_back(*r.holder());
    e.clear();
    EXPECT_EQ(r.submit(*r.holder(), t, e), Ring::Verdict::accepted);
    EXPECT_EQ(of_kind(e, K::grant).size(), 1u);
    const std::size_t near = std::min<std::size_t>(n - 1, Ring::kPushedPositions);
    EXPECT_EQ(of_kind(e, K::queue).size(), near + (n - 1 > near ? 1 : 0))
        << "the first places are kept current, and the sender hears it went to the back";
  }
  return holders;
}

TEST(Ring, RoundRobinInJoinOrderWithIncreasingTurns) {
  for (std::size_t n : {2u, 3u, 50u}) {
    const auto holders = drive(n, n * 4);
    for (std::size_t i = 0; i < holders.size(); ++i) EXPECT_EQ(holders[i], i % n + 1) << "n=" << n;
  }
}

TEST(Ring, QueuePositionsAreDistanceFromTheHolder) {
  Ring r(3);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  r.join(3, e);
  e.clear();
  ASSERT_EQ(r.submit(1, 1, e), Ring::Verdict::accepted);
  EXPECT_EQ(queue_of(e, 3), 1u);
  EXPECT_EQ(queue_of(e, 1), 2u);
  EXPECT_EQ(r.position(2), 0u);
  EXPECT_EQ(r.position(3), 1u);
  EXPECT_EQ(r.position(1), 2u);
  EXPECT_FALSE(r.position(9));
}

TEST(Ring, JoinWhileRunningGoesToTheBack) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  e.clear();
  r.join(3, e);
  EXPECT_EQ(queue_of(e, 3), 2u);
  EXPECT_TRUE(of_kind(e, K::grant).empty());
  EXPECT_EQ(r.submit(1, 1, e), Ring::Verdict::accepted);
  EXPECT_EQ(r.submit(2, 2, e), Ring::Verdict::accepted);
  EXPECT_EQ(r.holder(), 3u);
}

TEST(Ring, HolderLeavingGrantsTheNextWithANewTurn) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  r.join(3, e);
  e.clear();
  r.leave(1, e);
  const auto g = of_kind(e, K::grant);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].member, 2u);
  EXPECT_EQ(g[0].value, 2u) << "turn 1 is never reused";
  EXPECT_EQ(queue_of(e, 3), 1u);
  EXPECT_FALSE(r.contains(1));
}

TEST(Ring, WaitingMemberLeavingMovesOnlyThoseBehindIt) {
  Ring r(1);
  Effects e;
  for (MemberId m = 1; m <= 4; ++m) r.join(m, e);
  e.clear();
  r.leave(2, e);
  EXPECT_TRUE(of_kind(e, K::grant).empty());
  EXPECT_EQ(queue_of(e, 3), 1u);
  EXPECT_EQ(queue_of(e, 4), 2u);
  EXPECT_FALSE(queue_of(e, 1));
  EXPECT_EQ(r.turn(), 1u);
}

TEST(Ring, EmptiedRingWaitsForMinMembersAgainAndKeepsCounting) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  r.submit(1, 1, e);
  r.leave(1, e);  // 2 held turn 2: 1 is out, 2 remains alone and keeps going
  r.leave(2, e);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.holder());
  const auto before = r.turn();
  e.clear();
  r.join(3, e);
  EXPECT_TRUE(of_kind(e, K::grant).empty()) << "waits for min_members again";
  r.join(4, e);
  const auto g = of_kind(e, K::grant);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].value, before + 1);
}

TEST(Ring, SubmitVerdicts) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  EXPECT_EQ(r.submit(2, 1, e), Ring::Verdict::not_your_turn);
  EXPECT_EQ(r.submit(2, 7, e), Ring::Verdict::not_your_turn);
  EXPECT_EQ(r.submit(1, 2, e), Ring::Verdict::stale_turn) << "the holder must name the current turn";
  EXPECT_EQ(r.submit(1, 0, e), Ring::Verdict::stale_turn);
  EXPECT_EQ(r.submit(9, 1, e), Ring::Verdict::not_a_member);
  EXPECT_EQ(r.turn(), 1u) << "refused sends change nothing";
  EXPECT_EQ(r.submit(1, 1, e), Ring::Verdict::accepted);
  EXPECT_EQ(r.submit(1, 1, e), Ring::Verdict::stale_turn) << "an old turn is stale";
}

TEST(Ring, ExpireRevokesOnlyTheCurrentTurn) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  e.clear();
  r.expire(0, e);
  EXPECT_TRUE(e.empty()) << "a stale deadline is a no-op";
  r.expire(1, e);
  const auto rv = of_kind(e, K::revoke);
  ASSERT_EQ(rv.size(), 1u);
  EXPECT_EQ(rv[0].member, 1u);
  EXPECT_EQ(rv[0].value, 1u);
  const auto g = of_kind(e, K::grant);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].member, 2u);
  EXPECT_EQ(g[0].value, 2u);
  EXPECT_FALSE(queue_of(e, 1)) << "the revoked member is suspended, not queued";
  EXPECT_TRUE(r.suspended(1));
  EXPECT_EQ(r.submit(1, 1, e), Ring::Verdict::stale_turn) << "its old token is fenced off";
  e.clear();
  r.expire(1, e);
  EXPECT_TRUE(e.empty());
}

TEST(Ring, LoneMemberIsRegrantedWithNewTurns) {
  Ring r(1);
  Effects e;
  r.join(1, e);
  for (std::uint64_t t = 1; t <= 5; ++t) {
    e.clear();
    ASSERT_EQ(r.submit(1, t, e), Ring::Verdict::accepted);
    ASSERT_EQ(of_kind(e, K::grant).size(), 1u);
    EXPECT_EQ(of_kind(e, K::grant)[0].value, t + 1);
  }
  e.clear();
  r.expire(6, e);
  EXPECT_TRUE(of_kind(e, K::grant).empty()) << "a revoked lone member is not regranted until it resumes";
  EXPECT_FALSE(r.holder());
  e.clear();
  r.resume(1, e);
  EXPECT_EQ(of_kind(e, K::grant).at(0).value, 7u) << "the ring had started: one member is enough";
}

TEST(Ring, SuspendedMemberIsSkippedEveryRoundUntilItResumes) {
  Ring r(2);
  Effects e;
  for (MemberId m = 1; m <= 3; ++m) r.join(m, e);
  r.expire(1, e);  // 1 is revoked
  std::vector<MemberId> holders;
  for (int i = 0; i < 6; ++i) {
    holders.push_back(*r.holder());
    ASSERT_EQ(r.submit(*r.holder(), r.turn(), e), Ring::Verdict::accepted);
  }
  EXPECT_EQ(holders, (std::vector<MemberId>{2, 3, 2, 3, 2, 3}));
  EXPECT_EQ(r.submit(1, r.turn(), e), Ring::Verdict::not_your_turn);
  e.clear();
  r.resume(1, e);
  EXPECT_TRUE(of_kind(e, K::grant).empty());
  EXPECT_EQ(queue_of(e, 1), 2u) << "back of the queue, behind the one waiting";
  EXPECT_EQ(r.position(1), 2u);
  e.clear();
  r.resume(1, e);
  EXPECT_TRUE(e.empty()) << "resuming twice is a no-op";
  ASSERT_EQ(r.submit(*r.holder(), r.turn(), e), Ring::Verdict::accepted);
  ASSERT_EQ(r.submit(*r.holder(), r.turn(), e), Ring::Verdict::accepted);
  EXPECT_EQ(r.holder(), 1u);
}

TEST(Ring, SuspendedMemberCanLeaveAndTheRingEmptiesForGood) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  r.expire(1, e);
  EXPECT_EQ(r.size(), 2u);
  r.leave(2, e);  // the holder goes: nobody is queued
  EXPECT_FALSE(r.holder());
  e.clear();
  r.leave(1, e);
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.contains(1));
  r.join(3, e);
  EXPECT_FALSE(r.holder()) << "an emptied ring waits for min_members again";
}

TEST(Ring, MemberJoiningARingWhoseOnlyOthersAreSuspendedIsGrantedAtOnce) {
  Ring r(2);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  r.expire(1, e);
  r.expire(2, e);  // both suspended
  EXPECT_FALSE(r.holder());
  e.clear();
  r.join(3, e);
  EXPECT_EQ(r.holder(), 3u) << "the ring had started and still has members";
}

TEST(Ring, LastTurnFromTheJournalIsNeverReused) {
  Ring r(1, 41);
  Effects e;
  r.join(1, e);
  EXPECT_EQ(of_kind(e, K::grant).at(0).value, 42u);
}

TEST(Ring, MinMembersZeroMeansOne) {
  Ring r(0);
  Effects e;
  r.join(1, e);
  EXPECT_EQ(r.holder(), 1u);
}

TEST(Ring, TwoPauseCausesAreLiftedApart) {
  Ring r(1);
  Effects e;
  r.pause(PauseBy::journal);
  r.pause(PauseBy::admin);
  r.join(1, e);
  EXPECT_FALSE(r.holder());
  r.unpause(PauseBy::journal, e);
  EXPECT_FALSE(r.holder()) << "the operator's pause still holds";
  r.unpause(PauseBy::admin, e);
  EXPECT_EQ(r.holder(), 1u);
}

TEST(Ring, LoweringMinMembersStartsAWaitingRing) {
  Ring r(3);
  Effects e;
  r.join(1, e);
  r.join(2, e);
  EXPECT_FALSE(r.holder());
  r.set_min_members(2, e);
  EXPECT_EQ(r.holder(), 1u);
}

TEST(Ring, ALockGoesToRequestsInOrderAndHoldersGoIdle) {
  Ring r(5, 0, RingPolicy::lock);
  Effects e;
  for (MemberId id : {1, 2, 3}) r.join(id, e);
  EXPECT_TRUE(e.empty()) << "members of a lock ring join idle";
  EXPECT_FALSE(r.holder());
  EXPECT_EQ(r.acquire(3, e), Ring::Acquired::queued);
  EXPECT_EQ(r.holder(), 3u) << "min_members does not apply to a lock";
  EXPECT_EQ(r.acquire(1, e), Ring::Acquired::queued);
  EXPECT_EQ(r.acquire(2, e), Ring::Acquired::queued);
  EXPECT_EQ(r.acquire(1, e), Ring::Acquired::already_queued);
  EXPECT_EQ(r.acquire(3, e), Ring::Acquired::holding);
  r.dequeue(1, e);  // its connection died
  EXPECT_EQ(r.position(2), 1u);
  e.clear();
  EXPECT_EQ(r.submit(3, 1, e), Ring::Verdict::accepted);
  EXPECT_EQ(r.holder(), 2u);
  EXPECT_FALSE(r.position(3)) << "a released holder is idle, not queued";
  EXPECT_EQ(r.submit(2, 2, e), Ring::Verdict::accepted);
  EXPECT_FALSE(r.holder()) << "nobody asked: nobody holds";
  EXPECT_EQ(r.acquire(2, e), Ring::Acquired::queued);
  EXPECT_EQ(r.holder(), 2u);
  r.expire(3, e);
  EXPECT_FALSE(r.holder());
  r.resume(2, e);
  EXPECT_FALSE(r.holder()) << "resume does not queue a lock's idle member";
  EXPECT_EQ(r.size(), 3u);
}

TEST(Ring, RotationRingsRefuseAcquire) {
  Ring r(1);
  Effects e;
  r.join(1, e);
  EXPECT_EQ(r.acquire(1, e), Ring::Acquired::not_a_member);
}

}  // namespace
namespace {

TEST(RingScale, ATurnCostsTheSameInAThousandMemberRing) {
  constexpr std::size_t n = 1000;
  Ring r(n);
  Effects e;
  for (MemberId m = 1; m <= n; ++m) r.join(m, e);
  EXPECT_EQ(queue_of(e, n), n - 1) << "a joiner is told its place, however far back";
  std::vector<std::uint64_t> known(n + 1, 0);  // the last place each member heard
  for (const auto& x : e)
    if (x.kind == K::queue) known[x.member] = x.value;
  for (std::uint64_t t = 1; t <= 3 * n; ++t) {
    e.clear();
    const MemberId h = *r.holder();
    ASSERT_EQ(r.submit(h, t, e), Ring::Verdict::accepted);
    EXPECT_LE(e.size(), 2 + Ring::kPushedPositions) << "O(1) effects per turn at turn " << t;
    for (const auto& x : e)
      if (x.kind == K::queue) known[x.member] = x.value;
    EXPECT_EQ(known[h], n - 1) << "the sender went to the back and was told so";
    for (MemberId m = 1; m <= n; ++m) {
      const auto pos = r.position(m);
      ASSERT_TRUE(pos);
      if (*pos == 0) continue;
      // What a member heard is never better than the truth, and exact near the front.
      ASSERT_GE(known[m], *pos) << "member " << m << " at turn " << t;
      if (*pos <= Ring::kPushedPositions) {
        ASSERT_EQ(known[m], *pos) << "member " << m << " at turn " << t;
      }
    }
  }
}

TEST(RingScale, ALeaveFarBackPushesNothingAndNearTheFrontOnlyTheFirstPlaces) {
  Ring r(1);
  Effects e;
  for (MemberId m = 1; m <= 100; ++m) r.join(m, e);
  e.clear();
  r.leave(90, e);
  EXPECT_TRUE(e.empty()) << "places behind 90 changed, but none is within the pushed ones";
  r.leave(2, e);  // place 1 left: every place from 1 on drops by one
  EXPECT_EQ(of_kind(e, K::queue).size(), Ring::kPushedPositions);
  EXPECT_EQ(queue_of(e, 3), 1u);
}

}  // namespace

}  // namespace baton

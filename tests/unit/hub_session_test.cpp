// Sessions, passes, lock rings and admin actions in the hub, without sockets:
// what each participant is told when its connection drops and comes back.
#include <gtest/gtest.h>

#include "hub_fakes.hpp"

namespace baton::test {
namespace {

using namespace std::chrono_literals;

struct SessionTest : ::testing::Test {
  FakeClock clock;
  FakeLog log;
  std::vector<std::unique_ptr<FakeParticipant>> all;

  HubConfig config() {
    HubConfig c;
    c.min_members = 2;
    c.turn_timeout = 1000ms;
    c.resume_grace = 500ms;
    c.turns_from_clock = false;
    c.now = [this] { return clock.t; };
    c.wall_micros = [] { return std::uint64_t{1'800'000'000'000'000}; };
    return c;
  }
  // A HELLO 2 participant; resume_of: the one whose seat it claims.
  FakeParticipant& v2(Hub& hub, const std::string& name, const FakeParticipant* resume_of = nullptr,
                      std::string ring = "default", bool watcher = false) {
    all.push_back(std::make_unique<FakeParticipant>(all.size() + 1, name, ring, watcher));
    auto& p = *all.back();
    p.who_.version = 2;
    if (resume_of) {
      p.who_.session = resume_of->session;
      p.who_.secret = resume_of->secret;
    }
    p.hub = &hub;
    hub.enter(p);
    return p;
  }
};

TEST_F(SessionTest, AHolderCutAfterItsSendResumesWithThatTurnAsItsLast) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = v2(hub, "a");
  auto& b = v2(hub, "b");
  EXPECT_EQ(a.last("SESSION"), "SESSION 500 0");
  EXPECT_EQ(a.last("GRANT"), "GRANT 1 1000");
  hub.submit(a, 1, "x");
  hub.drop(a);  // the ACK was in flight
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  clock.advance(200ms);
  auto& a2 = v2(hub, "a", &a);
  EXPECT_EQ(a2.last("RESUMED"), "RESUMED 500 1");
  EXPECT_EQ(a2.last("QUEUE"), "QUEUE 1");
  EXPECT_EQ(a2.session, a.session);
  hub.submit(b, 2, "y");
  EXPECT_EQ(a2.last("GRANT"), "GRANT 3 1000") << "the resumed seat is granted in its old place";
}

TEST_F(SessionTest, ADetachedHolderKeepsOnlyWhatIsLeftOfItsTurn) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = v2(hub, "a");
  v2(hub, "b");
  hub.drop(a);
  clock.advance(300ms);
  auto& a2 = v2(hub, "a", &a);
  EXPECT_EQ(a2.last("GRANT"), "GRANT 1 700");
}

TEST_F(SessionTest, TheGraceEndsTheSeatAndTheBatonMovesOn) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = v2(hub, "a");
  auto& b = v2(hub, "b");
  hub.submit(a, 1, "x");
  hub.submit(b, 2, "y");  // a holds 3 now
  hub.drop(a);
  clock.advance(501ms);
  hub.expire_due();
  EXPECT_EQ(b.last("GRANT"), "GRANT 4 1000") << "the detached holder's seat ended with the grace";
  auto& again = v2(hub, "a", &a);
  EXPECT_EQ(again.last("SESSION"), "SESSION 500 1") << "a new seat; it remembers the last accepted turn";
  EXPECT_NE(again.session, a.session);
}

TEST_F(SessionTest, AWrongSecretIsRefusedAndReported) {
  auto c = config();
  std::string reported;
  c.on_bad_secret = [&](const std::string& peer) { reported = peer.empty() ? "?" : peer; };
  Hub hub(c, log, nullptr, 0);
  auto& a = v2(hub, "a");
  hub.drop(a);
  FakeParticipant forged(99, "a");
  forged.who_.version = 2;
  forged.who_.session = a.session;
  forged.who_.secret = std::string(32, '0');
  forged.hub = &hub;
  hub.enter(forged);
  EXPECT_EQ(forged.last("ERROR"), "ERROR AUTH_FAILED");
  EXPECT_EQ(reported, "?");
  auto& a2 = v2(hub, "a", &a);
  EXPECT_EQ(a2.last("RESUMED"), "RESUMED 500 0");
}

TEST_F(SessionTest, AResumeReplacesAHalfOpenConnection) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = v2(hub, "a");
  v2(hub, "b");
  auto& a2 = v2(hub, "a", &a);
  EXPECT_EQ(a.last("ERROR"), "ERROR SESSION_REPLACED");
  EXPECT_EQ(a2.last("GRANT"), "GRANT 1 1000");
  hub.submit(a2, 1, "still mine");
  EXPECT_EQ(a2.last("ACK"), "ACK 1");
}

TEST_F(SessionTest, HelloOneMembersHaveNoSessionAndLeaveAtOnce) {
  Hub hub(config(), log, nullptr, 0);
  FakeParticipant a(1, "a"), b(2, "b");
  a.hub = b.hub = &hub;
  hub.enter(a);
  hub.enter(b);
  EXPECT_EQ(a.last("SESSION"), "");
  hub.drop(a);
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
}

TEST_F(SessionTest, PassIsAckedAndShownToWatchersAsPassed) {
  Hub hub(config(), log, nullptr, 0);
  auto& w = v2(hub, "w", nullptr, "default", true);
  auto& a = v2(hub, "a");
  auto& b = v2(hub, "b");
  hub.pass(a, 1);
  EXPECT_EQ(a.last("ACK"), "ACK 1");
  EXPECT_EQ(w.last("PASSED"), "PASSED 1 a");
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  EXPECT_TRUE(log.has("a passed turn 1 of ring default"));
  hub.pass(b, 1);
  EXPECT_EQ(b.last("ERROR"), "ERROR STALE_TURN");
}

TEST_F(SessionTest, LockRingsGrantInRequestOrderAndDropDeadWaitersAtOnce) {
  Hub hub(config(), log, nullptr, 0);
  v2(hub, "a");  // ring default: a rotation ring
  auto make_lock = [&](const std::string& name) -> FakeParticipant& {
    all.push_back(std::make_unique<FakeParticipant>(all.size() + 1, name, "locks"));
    auto& p = *all.back();
    p.who_.version = 2;
    p.who_.mode = RingPolicy::lock;
    p.hub = &hub;
    hub.enter(p);
    return p;
  };
  auto& x = make_lock("x");
  auto& y = make_lock("y");
  auto& z = make_lock("z");
  EXPECT_EQ(x.last("GRANT"), "") << "lock members join idle";
  hub.acquire(z);
  EXPECT_EQ(z.last("GRANT"), "GRANT 1 1000");
  hub.acquire(x);
  hub.acquire(y);
  EXPECT_EQ(x.last("QUEUE"), "QUEUE 1");
  EXPECT_EQ(y.last("QUEUE"), "QUEUE 2");
  hub.drop(x);  // a dead waiter leaves the queue at once
  EXPECT_EQ(y.last("QUEUE"), "QUEUE 1");
  hub.pass(z, 1);
  EXPECT_EQ(y.last("GRANT"), "GRANT 2 1000");
  hub.submit(y, 2, "done");
  EXPECT_EQ(z.last("GRANT"), "GRANT 1 1000") << "the released holder is idle, not queued again";
  FakeParticipant r(50, "r", "default");
  r.who_.version = 2;
  r.who_.mode = RingPolicy::lock;
  r.hub = &hub;
  hub.enter(r);
  EXPECT_EQ(r.last("ERROR"), "ERROR WRONG_MODE");
}

TEST_F(SessionTest, AdminSkipPauseSetAndKick) {
  Hub hub(config(), log, nullptr, 0);
  auto& a = v2(hub, "a");
  auto& b = v2(hub, "b");
  AdminAction skip;
  skip.who = "ops";
  auto out = hub.act("default", skip);
  EXPECT_EQ(out.status, AdminOutcome::Status::ok);
  EXPECT_EQ(out.member, "a");
  EXPECT_EQ(a.last("REVOKED"), "REVOKED 1");
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 1000");
  EXPECT_TRUE(log.has("admin ops: skip in ring default: a turn 1"));
  AdminAction pause;
  pause.kind = AdminAction::Kind::pause;
  EXPECT_EQ(hub.act("default", pause).status, AdminOutcome::Status::ok);
  EXPECT_EQ(hub.act("default", pause).status, AdminOutcome::Status::conflict);
  hub.resume(a);
  hub.submit(b, 2, "y");
  EXPECT_EQ(a.last("GRANT"), "GRANT 1 1000") << "no grant while paused";
  AdminAction set;
  set.kind = AdminAction::Kind::set;
  set.turn_timeout = 250ms;
  EXPECT_EQ(hub.act("default", set).turn_timeout_ms, 250);
  AdminAction resume;
  resume.kind = AdminAction::Kind::resume;
  EXPECT_EQ(hub.act("default", resume).status, AdminOutcome::Status::ok);
  EXPECT_EQ(a.last("GRANT"), "GRANT 3 250");
  AdminAction kick;
  kick.kind = AdminAction::Kind::kick;
  kick.member = "b";
  EXPECT_EQ(hub.act("default", kick).status, AdminOutcome::Status::ok);
  EXPECT_EQ(b.last("ERROR"), "ERROR KICKED");
  kick.member = "nobody";
  EXPECT_EQ(hub.act("default", kick).status, AdminOutcome::Status::no_member);
  kick.member = "a";  // the last member: the ring is deleted under the action
  EXPECT_EQ(hub.act("default", kick).status, AdminOutcome::Status::ok);
  EXPECT_EQ(hub.ring_count(), 0u);
  EXPECT_EQ(hub.act("nowhere", skip).status, AdminOutcome::Status::no_ring);
}

TEST_F(SessionTest, AWatcherAfterATurnIsReplayedWhatTheBacklogHolds) {
  auto c = config();
  c.watch_backlog = 2;
  Hub hub(c, log, nullptr, 0);
  auto& w = v2(hub, "w", nullptr, "default", true);  // starts the backlog
  auto& a = v2(hub, "a");
  auto& b = v2(hub, "b");
  hub.submit(a, 1, "one");
  hub.submit(b, 2, "two");
  hub.pass(a, 3);
  (void)w;
  FakeParticipant late(60, "late", "default", true);
  late.who_.version = 2;
  late.who_.after = 1;
  late.hub = &hub;
  hub.enter(late);
  EXPECT_TRUE(late.was_told("EVENT 2 b two"));
  EXPECT_TRUE(late.was_told("PASSED 3 a"));
  EXPECT_FALSE(late.was_told("EVENT 1 a one"));
  FakeParticipant far(61, "far", "default", true);
  far.who_.version = 2;
  far.who_.after = 0;
  far.hub = &hub;
  hub.enter(far);
  EXPECT_TRUE(far.was_told("GAP 0 2")) << "turn 1 fell out of a backlog of 2";
}

}  // namespace
}  // namespace baton::test

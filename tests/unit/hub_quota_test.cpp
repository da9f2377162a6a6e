// The hub's quotas: members and watchers per ring, rings per server (shared
// by every shard's hub), each refused with QUOTA and nothing else disturbed.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "core/hub.hpp"
#include "hub_fakes.hpp"

namespace baton::test {
namespace {

struct HubQuotaTest : ::testing::Test {
  FakeClock clock;
  FakeLog log;
  People people;

  HubConfig config() {
    HubConfig c;
    c.min_members = 2;
    c.turns_from_clock = false;
    c.now = [this] { return clock.t; };
    return c;
  }
  FakeParticipant& join(Hub& hub, const std::string& name, const std::string& ring = "default", bool watcher = false) {
    return people.join(hub, name, ring, watcher);
  }
};

TEST_F(HubQuotaTest, MembersAndWatchersPerRingAreBoundedAndTheRingCarriesOn) {
  auto c = config();
  c.max_members_per_ring = 2;
  c.max_watchers_per_ring = 1;
  Hub hub(c, log, nullptr, 0);
  auto& a = join(hub, "a");
  auto& b = join(hub, "b");
  auto& third = join(hub, "c");
  EXPECT_EQ(third.last("ERROR"), "ERROR QUOTA");
  auto& w = join(hub, "w", "default", true);
  auto& w2 = join(hub, "w2", "default", true);
  EXPECT_EQ(w.last("ERROR"), "");
  EXPECT_EQ(w2.last("ERROR"), "ERROR QUOTA");
  hub.submit(a, 1, "x");
  EXPECT_EQ(a.last("ACK"), "ACK 1") << "the refusals cost the ring nothing";
  EXPECT_EQ(b.last("GRANT"), "GRANT 2 30000");
  EXPECT_EQ(w.last("EVENT"), "EVENT 1 a x");
  auto& other = join(hub, "c", "elsewhere");
  EXPECT_EQ(other.last("ERROR"), "") << "the bound is per ring";
  hub.leave(b);
  auto& again = join(hub, "d");
  EXPECT_EQ(again.last("ERROR"), "") << "a seat freed is a seat";
}

TEST_F(HubQuotaTest, RingsAreCountedAcrossHubsAndFreedWhenDeleted) {
  std::atomic<std::size_t> in_use{0};
  auto c = config();
  c.max_rings = 2;
  c.rings_in_use = &in_use;
  Hub one(c, log, nullptr, 0);
  Hub two(c, log, nullptr, 0);
  auto& r1 = join(one, "a", "r1");
  join(two, "a", "r2");
  EXPECT_EQ(in_use.load(), 2u);
  auto& r3 = join(one, "a", "r3");
  EXPECT_EQ(r3.last("ERROR"), "ERROR QUOTA");
  EXPECT_EQ(in_use.load(), 2u) << "a refused ring is not counted";
  auto& more = join(one, "b", "r1");
  EXPECT_EQ(more.last("ERROR"), "") << "joining a ring that exists needs no new ring";
  one.leave(r1);
  one.leave(more);
  EXPECT_EQ(in_use.load(), 1u) << "the empty ring was deleted";
  auto& r4 = join(two, "a", "r4");
  EXPECT_EQ(r4.last("ERROR"), "");
  EXPECT_EQ(in_use.load(), 2u);
}

}  // namespace
}  // namespace baton::test

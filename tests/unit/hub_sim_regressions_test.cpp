// Bugs the deterministic simulator (tests/sim) found in the hub, each pinned
// by the smallest scenario that shows it.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/hub.hpp"
#include "core/journal_port.hpp"

namespace baton {
namespace {

struct QuietLog final : HubLog {
  void info(std::string_view) override {}
  void warn(std::string_view) override {}
  void turn(std::string_view, std::uint64_t, std::string_view, std::string_view) override {}
};

// Durable at once, or failing every write, as the test says.
struct Disk final : JournalPort {
  void stage_send(std::string_view, std::uint64_t, std::string_view, std::string_view) override { ++batch; }
  std::size_t staged() const override { return batch; }
  bool commit() override {
    batch = 0;
    return !full;
  }
  bool reserve(std::uint64_t) override { return !full; }
  std::size_t batch = 0;
  bool full = false;
};

// Remembers its grants and revokes; nothing else matters here.
class Member final : public Participant {
 public:
  Member(MemberId id, std::string name) : id_(id) { who_.name = std::move(name); }
  MemberId id() const override { return id_; }
  const Identity& who() const override { return who_; }
  bool ended() const override { return false; }
  void deliver_welcome(std::uint64_t) override {}
  void deliver_grant(std::uint64_t turn, std::uint64_t) override { grants.push_back(turn); }
  void deliver_queue(std::uint64_t) override {}
  void deliver_revoked(std::uint64_t turn) override { revokes.push_back(turn); }
  void deliver_ack(std::uint64_t) override {}
  void deliver_event(std::uint64_t, std::string_view, std::string_view) override {}
  void deliver_notice(std::string_view, std::string_view) override {}
  void deliver_ping(std::string_view) override {}
  void ready() override {}
  void fail(std::string_view, std::string_view, Closed) override {}
  void set_suspended(bool) override {}
  std::optional<std::string> take_legacy_first() override { return std::nullopt; }
  bool has_legacy_first() const override { return false; }

  std::vector<std::uint64_t> grants;
  std::vector<std::uint64_t> revokes;

 private:
  MemberId id_;
  Identity who_;
};

// baton-sim seed 3: after a restart the wall clock read the epoch (an RTC
// reset; system_micros() clamps a clock before 1970 to 0). The first number
// of a new ring was taken as "wall - 1", which wrapped to 2^64 - 1, so the
// ring's first grant was turn 0: below every number granted before, and not
// a turn number at all (0 means "the current turn" in a legacy send).
TEST(HubSimRegressions, WallClockAtTheEpochDoesNotWrapTheFirstTurn) {
  QuietLog log;
  HubConfig config;
  config.min_members = 1;
  config.turns_from_clock = true;
  config.wall_micros = [] { return std::uint64_t{0}; };
  Hub hub(config, log, nullptr, 0);
  Member m(1, "ann");
  hub.enter(m);
  ASSERT_EQ(m.grants.size(), 1u);
  EXPECT_EQ(m.grants[0], 1u);
}

// baton-sim (soak seeds 186, 221, 311 reach the state): a ring that needs a
// new reservation while its holder has not sent yet stalls when the journal
// can't be written, and stall() drops the holder's deadline. When the retry
// resumed the ring, nothing armed it again: a holder that then never sent
// (stuck, but answering pings) kept the baton for ever.
TEST(HubSimRegressions, HolderKeptThroughAStallIsStillRevokedOnTime) {
  using namespace std::chrono_literals;
  QuietLog log;
  Disk disk;
  auto now = HubConfig::Clock::time_point{} + 1h;
  HubConfig config;
  config.min_members = 2;
  config.turns_from_clock = false;
  config.turn_timeout = 1000ms;
  config.journal_retry = 200ms;
  config.now = [&now] { return now; };
  Hub hub(config, log, &disk, 0);
  Member a(1, "ann"), b(2, "bob"), c(3, "cid");
  hub.enter(a);
  hub.enter(b);
  // Take turns up to the last number the first reservation covers.
  const std::uint64_t reserved = 1 + (std::uint64_t{1} << 16);
  while (hub.turn_of("default") < reserved) {
    const std::uint64_t turn = hub.turn_of("default");
    Member& holder = !a.grants.empty() && a.grants.back() == turn ? a : b;
    hub.submit(holder, turn, "x");
    hub.commit();
  }
  Member& holder = a.grants.back() == reserved ? a : b;
  disk.full = true;
  hub.enter(c);  // the ring needs a reservation for c's grant: it stalls
  disk.full = false;
  now += 300ms;
  hub.expire_due();  // the retry resumes the ring
  now += 1100ms;
  if (now >= hub.next_deadline()) hub.expire_due();
  ASSERT_EQ(holder.revokes.size(), 1u) << "the holder that never sent must lose the baton";
  EXPECT_EQ(holder.revokes[0], reserved);
}

}  // namespace
}  // namespace baton

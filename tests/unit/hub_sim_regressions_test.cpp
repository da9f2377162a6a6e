// Bugs the deterministic simulator (tests/sim) found in the hub, each pinned
// by the smallest scenario that shows it.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/hub.hpp"

namespace baton {
namespace {

struct QuietLog final : HubLog {
  void info(std::string_view) override {}
  void warn(std::string_view) override {}
  void turn(std::string_view, std::uint64_t, std::string_view, std::string_view) override {}
};

// Remembers the grants; nothing else matters here.
class Member final : public Participant {
 public:
  Member(MemberId id, std::string name) : id_(id) { who_.name = std::move(name); }
  MemberId id() const override { return id_; }
  const Identity& who() const override { return who_; }
  bool ended() const override { return false; }
  void deliver_welcome(std::uint64_t) override {}
  void deliver_grant(std::uint64_t turn, std::uint64_t) override { grants.push_back(turn); }
  void deliver_queue(std::uint64_t) override {}
  void deliver_revoked(std::uint64_t) override {}
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

}  // namespace
}  // namespace baton

#include "generator.hpp"

#include <array>

namespace baton::sim {

SimSettings settings_for(std::uint64_t seed) {
  // A stream of its own, so that the settings do not shift the actions.
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
  SimSettings s;
  s.journal = rng() % 5 != 0;  // some seeds run without a journal
  s.turns_from_clock = rng() % 2 == 0;
  s.min_members = 1 + rng() % 3;
  constexpr std::array<int, 8> timeouts{0, 300, 1000, 1000, 2000, 2000, 5000, 500};
  s.turn_timeout = milliseconds(timeouts[rng() % timeouts.size()]);
  s.wall_start = 1'700'000'000'000'000ull + rng() % 1'000'000'000'000ull;  // 2023 or so, in µs
  s.restarts = rng() % 4 != 0;
  return s;
}

Generator::Generator(std::uint64_t seed) : rng_(seed) {}

Action Generator::join(const World& w, Op op) {
  Action a;
  a.op = op;
  a.who = next_id_++;
  a.ring = static_cast<std::uint8_t>(op == Op::legacy ? 0 : below(kRings));
  a.flag = op == Op::legacy && chance(50);
  // Mostly a free name; sometimes one a live member has (NAME_TAKEN).
  std::vector<std::uint8_t> free;
  for (std::uint8_t n = 0; n < kNames; ++n) {
    bool used = false;
    for (const SimParticipant* p : w.live())
      used = used || (p->member() && p->who().ring == kRingNames[a.ring] && p->who().name == kMemberNames[n]);
    if (!used) free.push_back(n);
  }
  a.name = free.empty() || chance(10) ? static_cast<std::uint8_t>(below(kNames)) : free[below(free.size())];
  return a;
}

Action Generator::next(const World& w) {
  std::vector<const SimParticipant*> members, holders, sent, suspended, revoked, everyone;
  for (const SimParticipant* p : w.live()) {
    everyone.push_back(p);
    if (!p->member()) continue;
    members.push_back(p);
    if (p->holding != 0 && !p->sent) holders.push_back(p);
    if (p->holding != 0 && p->sent) sent.push_back(p);
    if (p->suspended) suspended.push_back(p);
    if (p->revoked_turn != 0) revoked.push_back(p);
  }
  const bool crowded = everyone.size() >= 14;
  enum Choice { kJoin, kLegacy, kWatch, kLeave, kSend, kTwice, kBad, kCross, kResume, kCommit, kAdvance, kDisk, kRestart };
  const std::array<std::uint64_t, 13> weights{
      crowded ? 1u : 10u, crowded ? 0u : 3u, crowded ? 0u : 3u, everyone.empty() ? 0u : (crowded ? 12u : 4u),
      holders.empty() ? 0u : 30u, sent.empty() ? 0u : 2u, members.empty() ? 0u : 3u, revoked.empty() ? 0u : 3u,
      suspended.empty() ? 0u : 8u, 16u, 14u, 2u, w.settings().restarts ? 1u : 0u};
  std::uint64_t total = 0;
  for (auto x : weights) total += x;
  std::uint64_t r = below(total);
  int choice = 0;
  while (r >= weights[choice]) r -= weights[choice++];

  Action a;
  switch (choice) {
    case kJoin: return join(w, Op::join);
    case kLegacy: return join(w, Op::legacy);
    case kWatch: return join(w, Op::watch);
    case kLeave:
      a.op = Op::leave;
      a.who = static_cast<std::uint32_t>(any_of(everyone)->id());
      return a;
    case kSend:
    case kTwice:
    case kBad:
    case kCross:
      a.op = Op::send;
      a.who = static_cast<std::uint32_t>(
          any_of(choice == kSend ? holders : choice == kTwice ? sent : choice == kCross ? revoked : members)->id());
      a.aim = choice == kCross ? Aim::revoked : choice == kBad ? (chance(50) ? Aim::stale : Aim::ahead) : Aim::granted;
      return a;
    case kResume:
      a.op = Op::resume;
      a.who = static_cast<std::uint32_t>(any_of(suspended)->id());
      return a;
    case kCommit:
      a.op = Op::commit;
      return a;
    case kAdvance: {
      a.op = Op::advance;
      const auto timeout = static_cast<std::uint64_t>(w.settings().turn_timeout.count());
      const std::uint64_t kind = below(10);
      if (kind < 6) a.amount = static_cast<std::int64_t>(1 + below(200));
      else if (kind < 9) a.amount = static_cast<std::int64_t>(200 + below((timeout ? timeout : 2000) * 13 / 10));
      else a.amount = static_cast<std::int64_t>(2000 + below(20000));
      a.flag = chance(10);
      return a;
    }
    case kDisk: {
      a.op = Op::journal;
      const bool failing = w.journal() && w.journal()->failing();
      const std::uint64_t k = below(100);
      a.amount = failing ? (k < 60 ? 0 : k < 80 ? 2 : 1) : (k < 35 ? 1 : k < 85 ? 2 : 0);
      a.bits = static_cast<std::uint32_t>(rng_() & 0xFF);
      return a;
    }
    default: {
      a.op = Op::restart;
      const std::uint64_t k = below(100);
      if (k < 70) a.amount = static_cast<std::int64_t>(below(10'000'000)) - 5'000'000;
      else if (k < 90) a.amount = static_cast<std::int64_t>(below(3'600'000'000ull));
      else if (k < 98) a.amount = -static_cast<std::int64_t>(below(3'600'000'000ull));
      else {
        a.flag = true;  // an RTC reset: the clock reads the epoch, or just after it
        a.amount = chance(50) ? 0 : static_cast<std::int64_t>(below(1'000'000));
      }
      return a;
    }
  }
}

}  // namespace baton::sim

// The random schedule: settings and actions drawn from a seed, each action
// chosen from what the participants were told so far (a holder is more
// likely to send than a stranger). Same seed, same schedule: everything comes
// from std::mt19937_64, nothing from the wall clock.
#pragma once

#include <cstdint>
#include <random>

#include "action.hpp"
#include "world.hpp"

namespace baton::sim {

SimSettings settings_for(std::uint64_t seed);

class Generator {
 public:
  explicit Generator(std::uint64_t seed);
  Action next(const World& w);

 private:
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(std::uint64_t percent) { return below(100) < percent; }
  const SimParticipant* any_of(const std::vector<const SimParticipant*>& v) {
    return v.empty() ? nullptr : v[below(v.size())];
  }
  Action join(const World& w, Op op);

  std::mt19937_64 rng_;
  std::uint32_t next_id_ = 1;
};

}  // namespace baton::sim

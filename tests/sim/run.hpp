// Running schedules: a seed's generated run, a replay of a recorded action
// list, and delta debugging to shrink a failing list to a minimal one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <ostream>
#include <vector>

#include "action.hpp"
#include "sim_types.hpp"

namespace baton::sim {

struct RunResult {
  bool failed = false;
  Violation violation;
  std::size_t steps = 0;  // actions run (the failing one included)
  std::map<std::string, std::uint64_t> tally;  // what happened, by kind (Oracle::count)
};

// Draws and runs up to `steps` actions of `seed`, stopping at the first
// violation; `actions` receives what ran.
RunResult generate(std::uint64_t seed, std::size_t steps, std::vector<Action>& actions, std::ostream* trace);
RunResult replay(const SimSettings& settings, const std::vector<Action>& actions, std::ostream* trace);

// The smallest list found (within `max_replays`) that still breaks the
// invariant named `tag`: chunks are dropped while that helps (ddmin), then
// single actions.
std::vector<Action> shrink(const SimSettings& settings, std::vector<Action> actions, const std::string& tag,
                           std::size_t max_replays);

}  // namespace baton::sim

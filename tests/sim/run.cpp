#include "run.hpp"

#include "generator.hpp"
#include "world.hpp"

namespace baton::sim {

RunResult generate(std::uint64_t seed, std::size_t steps, std::vector<Action>& actions, std::ostream* trace) {
  World world(settings_for(seed), trace);
  Generator gen(seed);
  RunResult r;
  actions.clear();
  actions.reserve(steps);
  while (r.steps < steps) {
    actions.push_back(gen.next(world));
    world.step(actions.back());
    ++r.steps;
    if (world.failed()) {
      r.failed = true;
      r.violation = world.violation();
      break;
    }
  }
  r.tally = world.oracle().tally();
  return r;
}

RunResult replay(const SimSettings& settings, const std::vector<Action>& actions, std::ostream* trace) {
  World world(settings, trace);
  RunResult r;
  for (const Action& a : actions) {
    world.step(a);
    ++r.steps;
    if (world.failed()) {
      r.failed = true;
      r.violation = world.violation();
      break;
    }
  }
  return r;
}

std::vector<Action> shrink(const SimSettings& settings, std::vector<Action> actions, const std::string& tag,
                           std::size_t max_replays) {
  std::size_t replays = 0;
  // Keeps `candidate` if it still fails the same way, cut after the failing step.
  const auto keeps = [&](std::vector<Action>& candidate) {
    ++replays;
    const RunResult r = replay(settings, candidate, nullptr);
    if (!r.failed || r.violation.tag != tag) return false;
    candidate.resize(r.steps);
    actions = std::move(candidate);
    return true;
  };
  std::size_t parts = 2;
  while (actions.size() >= 2 && replays < max_replays) {
    const std::size_t chunk = (actions.size() + parts - 1) / parts;
    bool cut = false;
    for (std::size_t start = 0; start < actions.size() && replays < max_replays; start += chunk) {
      std::vector<Action> without(actions.begin(), actions.begin() + static_cast<std::ptrdiff_t>(start));
      if (start + chunk < actions.size())
        without.insert(without.end(), actions.begin() + static_cast<std::ptrdiff_t>(start + chunk), actions.end());
      if (keeps(without)) {
        cut = true;
        parts = std::max<std::size_t>(parts - 1, 2);
        break;
      }
    }
    if (cut) continue;
    if (parts >= actions.size()) break;
    parts = std::min(actions.size(), parts * 2);
  }
  // One at a time until no single action can go.
  for (bool again = true; again && replays < max_replays;) {
    again = false;
    for (std::size_t i = actions.size(); i-- > 0 && replays < max_replays;) {
      if (i >= actions.size()) continue;  // a cut also ends the list at its new failing step
      std::vector<Action> without = actions;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      if (keeps(without)) again = true;
    }
  }
  return actions;
}

}  // namespace baton::sim

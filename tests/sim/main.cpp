// baton-sim: the hub under a deterministic simulation (docs/ARCHITECTURE.md,
// "Deterministic simulation"). Exit 0: every invariant held for every seed;
// 1: a seed broke one, and its shrunk trace was printed.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "generator.hpp"
#include "run.hpp"

namespace {

using namespace baton::sim;

struct Options {
  std::uint64_t seed = 1;
  std::uint64_t seeds = 1;
  std::size_t steps = 3000;
  bool verbose = false;
};

[[noreturn]] void usage(std::string_view why) {
  std::cerr << "baton-sim: " << why << "\n"
            << "usage: baton-sim [--seed N] [--seeds COUNT] [--steps M] [--verbose]\n"
            << "  runs seeds N .. N+COUNT-1, M steps each; --verbose prints every step and delivery\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto number = [&]() -> std::uint64_t {
      if (i + 1 >= argc) usage(fmt::format("{} needs a number", arg));
      char* end = nullptr;
      const auto v = std::strtoull(argv[++i], &end, 10);
      if (!end || *end != '\0') usage(fmt::format("{}: not a number: {}", arg, argv[i]));
      return v;
    };
    if (arg == "--seed") o.seed = number();
    else if (arg == "--seeds") o.seeds = number();
    else if (arg == "--steps") o.steps = number();
    else if (arg == "--verbose") o.verbose = true;
    else usage(fmt::format("unknown argument {}", arg));
  }
  return o;
}

std::string settings_text(const SimSettings& s) {
  return fmt::format("journal {}, turns from the {}, min members {}, turn timeout {} ms, journal retry {} ms, {}",
                     s.journal ? "on" : "off", s.turns_from_clock ? "wall clock" : "journal floor", s.min_members,
                     s.turn_timeout.count(), s.journal_retry.count(), s.restarts ? "restarts" : "no restarts");
}

void report(std::uint64_t seed, const RunResult& r, const std::vector<Action>& actions) {
  const SimSettings settings = settings_for(seed);
  std::cout << fmt::format("\nseed {}: invariant '{}' broken at step {}: {}\n", seed, r.violation.tag, r.steps,
                           r.violation.detail);
  std::cout << "settings: " << settings_text(settings) << "\nshrinking " << actions.size() << " actions...\n";
  const auto small = shrink(settings, actions, r.violation.tag, 20000);
  std::cout << fmt::format("minimal trace ({} actions), with what each participant was told:\n", small.size());
  const RunResult again = replay(settings, small, &std::cout);
  std::cout << fmt::format("=> '{}': {}\n", again.violation.tag, again.violation.detail);
  std::cout << fmt::format("replay: baton-sim --seed {} --steps {} [--verbose]\n", seed, r.steps);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto start = std::chrono::steady_clock::now();
  std::size_t total = 0;
  std::vector<Action> actions;
  std::map<std::string, std::uint64_t> tally;
  for (std::uint64_t seed = o.seed; seed < o.seed + o.seeds; ++seed) {
    if (o.verbose) std::cout << fmt::format("seed {}: {}\n", seed, settings_text(settings_for(seed)));
    const RunResult r = generate(seed, o.steps, actions, o.verbose ? &std::cout : nullptr);
    total += r.steps;
    for (const auto& [what, n] : r.tally) tally[what] += n;
    if (r.failed) {
      report(seed, r, actions);
      return 1;
    }
  }
  std::string seen;
  for (const auto& [what, n] : tally) seen += fmt::format("{}{} {}", seen.empty() ? "" : ", ", n, what);
  std::cout << "seen: " << seen << "\n";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format("baton-sim: seeds {}..{}, {} steps each: {} steps in {:.2f} s ({:.0f} steps/s); "
                           "every invariant held\n",
                           o.seed, o.seed + o.seeds - 1, o.steps, total, secs, secs > 0 ? total / secs : 0.0);
  return 0;
}

// What every part of the simulator shares: the fake clocks, the settings a
// seed chooses, and how a broken invariant is reported.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/hub.hpp"

namespace baton::sim {

using Clock = HubConfig::Clock;
using std::chrono::milliseconds;

// Both clocks only move when the simulator says so. The wall clock is
// separate because a real one can jump (NTP, an RTC reset) while the
// monotonic one cannot.
struct SimClock {
  Clock::time_point mono = Clock::time_point{} + std::chrono::hours(1);
  std::uint64_t wall = 0;  // microseconds since the epoch, as HubConfig::wall_micros reads it
};

// Chosen from the seed alone, so that a shrunk trace replays under the same.
struct SimSettings {
  bool journal = true;
  bool turns_from_clock = true;
  std::size_t min_members = 2;
  milliseconds turn_timeout{2000};  // 0: v1 holders keep the baton; legacy ones fall to legacy_silence
  milliseconds legacy_silence{3000};
  milliseconds journal_retry{200};
  std::uint64_t wall_start = 0;
  // Some seeds never crash: one life lasts long enough for a ring to outrun
  // its reservation (65,536 counted turns), which grants then wait on.
  bool restarts = true;
};

// The first broken invariant of a run: `tag` names the invariant (shrinking
// keeps a smaller trace only if the same one breaks), `detail` says how.
struct Violation {
  std::string tag;
  std::string detail;
};

}  // namespace baton::sim

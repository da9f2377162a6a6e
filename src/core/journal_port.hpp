// What the ring policy needs from a journal, and nothing more: the file-backed
// journal (server/journal.hpp) implements it, and the simulator and the unit
// tests use fakes that can fail on demand.
//
// Two promises rest on it:
//  - nothing is acknowledged that is not on disk: accepted sends are staged
//    during one pass of a shard's event loop and made durable together by
//    commit(); the ring does not advance, and nothing is acked, until then;
//  - a turn number is never granted twice: before a grant uses a number above
//    the reservation, reserve() makes a higher reservation durable. Recovery
//    continues above the highest reservation found, so reservations, not
//    per-grant records, are what keep numbers from being reused.
//
// Thread: one port per shard, used by that shard's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/stat_counter.hpp"

namespace baton {

// What a journal counts for /metrics: single writer, the journal's shard.
struct JournalStats {
  SyncHistogram sync{kSyncBoundsNs};  // one write + sync, whether it worked or not
  Counter errors;                     // writes or syncs that failed
};

class JournalPort {
 public:
  virtual ~JournalPort() = default;
  // Its counters, if it keeps any (fakes don't).
  virtual const JournalStats* stats() const { return nullptr; }

  // Adds an accepted send to the pending batch. Nothing is written yet.
  virtual void stage_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                          std::string_view payload) = 0;
  // Records staged since the last commit (0: commit() has nothing to do).
  virtual std::size_t staged() const = 0;
  // Writes and syncs the pending batch. True: every staged record is durable.
  // False (disk full, I/O error): none of them counts, the batch is dropped and
  // the file is left as it was before; the caller stages them again to retry.
  virtual bool commit() = 0;
  // Makes every number up to `upto` grantable: durable on return when true.
  // False: nothing above the previous reservation may be granted yet.
  virtual bool reserve(std::uint64_t upto) = 0;
};

// Turn numbers at or above this are refused (in a journal, from a clock):
// a counter this high could wrap, and a wrapped counter reuses numbers.
inline constexpr std::uint64_t kMaxTurn = std::uint64_t{1} << 62;

}  // namespace baton

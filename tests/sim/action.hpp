// One step of a schedule. Actions name participants by a number fixed when
// they join, never by position, so a trace with actions dropped (shrinking)
// still means something: an action whose participant is gone does nothing,
// and what a send names is resolved when it runs, from what that participant
// was told, as a client would.
#pragma once

#include <cstdint>
#include <string>

namespace baton::sim {

enum class Op : std::uint8_t {
  join,     // a v1 member joins ring `ring` as `name`
  legacy,   // a seed client joins ring default as `name` (flag: it already answered the probe)
  watch,    // a watcher joins ring `ring`
  leave,    // `who` disconnects or says BYE
  send,     // `who` sends (see Aim)
  resume,   // `who`, suspended, is heard from (a PONG)
  commit,   // the event-loop pass ends
  advance,  // `amount` ms pass (flag: in one jump, as a process stopped and continued)
  journal,  // the disk: `amount` 0 heals, 1 fills, 2 fails the next writes per `bits`
  restart,  // crash and recover; the wall clock moves by `amount` µs (or is reset: flag)
};

// Which turn a send names.
enum class Aim : std::uint8_t {
  granted,  // its last GRANT's (the honest send; a second one before the ACK is a send twice)
  stale,    // an older one
  ahead,    // one that is not current yet
  revoked,  // its last REVOKED's (crossing the REVOKED on the wire)
};

struct Action {
  Op op = Op::commit;
  std::uint32_t who = 0;
  std::uint8_t ring = 0;
  std::uint8_t name = 0;
  Aim aim = Aim::granted;
  bool flag = false;
  std::int64_t amount = 0;
  std::uint32_t bits = 0;
};

inline constexpr const char* kRingNames[] = {"default", "r1", "r2"};
inline constexpr const char* kMemberNames[] = {"ann", "bob", "cid", "dee", "eve", "fay", "gus"};
inline constexpr std::size_t kRings = std::size(kRingNames);
inline constexpr std::size_t kNames = std::size(kMemberNames);

std::string describe(const Action& a);

}  // namespace baton::sim

// Why connections end, counted by reason: one counter array per single
// writer (each shard, the listener), summed by whoever reads them: /metrics
// and /status at scrape time, the end-of-run log line.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/stat_counter.hpp"

namespace baton {

enum class Closed : std::uint8_t {
  bye,            // the client said BYE
  peer_closed,    // EOF or a reset from the peer
  error,          // a protocol error: ERROR <code> was sent (or, legacy, the connection dropped)
  slow_consumer,  // more than --max-queued bytes unread
  idle,           // nothing heard for --idle-timeout
  turn_timeout,   // a legacy holder that never answered its GO
  shutdown,       // the server drained
  refused,        // handshake refused: HELLO_TIMEOUT, BAD_FRAME, BAD_VERSION, LINE_TOO_LONG
  server_full,    // --max-clients reached or out of descriptors
  auth,           // AUTH_FAILED or FORBIDDEN: at the handshake, or a grant withdrawn by a reload
  quota,          // a per-address or per-ring bound (QUOTA)
  replaced,       // its seat was resumed on another connection (SESSION_REPLACED)
  kicked,         // an administrator removed it (KICKED), or drained its ring
  count_
};

inline constexpr std::array<std::string_view, static_cast<std::size_t>(Closed::count_)> kClosedNames = {
    "bye", "peer_closed", "error", "slow_consumer", "idle", "turn_timeout", "shutdown", "refused", "server_full", "auth", "quota",
    "replaced", "kicked"};

using ClosedCounts = std::array<Counter, static_cast<std::size_t>(Closed::count_)>;  // one writer each
using ClosedTotals = std::array<std::uint64_t, static_cast<std::size_t>(Closed::count_)>;

inline void count(ClosedCounts& c, Closed why) { c[static_cast<std::size_t>(why)].add(); }
inline void add_to(ClosedTotals& t, const ClosedCounts& c) {
  for (std::size_t i = 0; i < t.size(); ++i) t[i] += c[i].get();
}

inline std::string describe(const ClosedTotals& c) {
  std::string out;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(kClosedNames[i]) + " " + std::to_string(c[i]);
  }
  return out.empty() ? "none" : out;
}

}  // namespace baton

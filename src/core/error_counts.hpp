// ERROR lines sent, counted by code for /metrics (baton_errors_sent_total).
// The codes are the fixed vocabulary of docs/PROTOCOL.md, so the label never
// takes a value a peer chose; anything else counts as OTHER.
// Thread: one ErrorCounts per single writer (a shard, the listener).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "core/stat_counter.hpp"

namespace baton {

// TURN_TIMEOUT is not on the wire: it is how a legacy holder that never
// answered its GO is dropped (its protocol has no ERROR).
inline constexpr std::array<std::string_view, 15> kErrorCodes = {
    "BAD_FRAME",    "LINE_TOO_LONG", "BAD_VERSION", "NAME_TAKEN",   "SERVER_FULL",
    "HELLO_TIMEOUT", "IDLE_TIMEOUT", "NOT_YOUR_TURN", "STALE_TURN", "NOT_A_MEMBER",
    "AUTH_FAILED",  "FORBIDDEN",     "QUOTA",       "TURN_TIMEOUT", "OTHER"};

using ErrorCounts = std::array<Counter, kErrorCodes.size()>;

inline std::size_t error_index(std::string_view code) noexcept {
  for (std::size_t i = 0; i + 1 < kErrorCodes.size(); ++i)
    if (kErrorCodes[i] == code) return i;
  return kErrorCodes.size() - 1;
}

inline void count_error(ErrorCounts& c, std::string_view code) noexcept { c[error_index(code)].add(); }

}  // namespace baton

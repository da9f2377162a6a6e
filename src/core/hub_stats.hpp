// What one shard's hub counts for /metrics and /status. Single writer: the
// hub's shard thread; read by the scraper on any thread (core/stat_counter.hpp).
#pragma once

#include <string>

#include "core/stat_counter.hpp"

namespace baton {

struct HubStats {
  Counter grants;       // turns granted
  Counter sends;        // sends accepted (acked; with a journal, once durable)
  Counter revoked;      // turns ended by the turn timeout
  Counter holder_left;  // turns ended because the holder left before sending
  Counter passed;       // turns ended by a PASS/RELEASE
  Counter resumed;      // seats taken back by a new connection
  Counter expired;      // detached seats whose grace ran out
  Gauge detached;       // seats without a connection, waiting for a resume
  Counter admin;        // administrators' actions carried out
  Gauge rings;          // rings that exist on this shard
  Gauge waiting;        // rings with members, fewer than min_members, never started
  HoldHistogram hold{kHoldBoundsNs};  // grant -> the holder's send accepted
};

// One ring exported by name (--metrics-ring): written by the shard that owns
// the ring, which is always the same one for a name.
struct RingGauges {
  std::string name;
  Gauge turn;
  Gauge members;
  Gauge watchers;
  Counter grants;
};

}  // namespace baton

// Everything baton-server can be told, with its defaults (see baton-server --help).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/limits.hpp"

namespace baton::server {

using std::chrono::milliseconds;

inline constexpr std::uint64_t kDefaultSegmentBytes = 16ull << 20;     // --journal-segment-bytes
inline constexpr std::uint64_t kDefaultJournalMaxBytes = 256ull << 20; // --journal-max-bytes
// Smaller segments would rotate (a file created and a directory synced) every few hundred sends.
inline constexpr std::uint64_t kMinSegmentBytes = 64ull << 10;

struct ServerConfig {
  std::string host = "0.0.0.0";
  std::uint16_t port = 5001;        // 0: any free port (Server::port() tells which)
  std::uint16_t admin_port = 9090;  // HTTP /livez, /readyz; 0: any free port (logged)
  bool admin = true;                // false: no admin port
  std::size_t min_members = 2;      // members a ring needs before its first grant
  std::size_t max_clients = 16384;  // connections at once; more get SERVER_FULL
  milliseconds turn_timeout{30000}; // holder loses the baton after this; 0: never
  milliseconds hello_timeout{5000}; // a v1 client must finish HELLO within this
  // A peer that sends nothing for this long after our greeting is sent one GO:
  // the seed's client answers NAME:NUMBER and becomes a legacy member. 0
  // disables legacy detection: silent peers time out.
  milliseconds legacy_after{300};
  milliseconds heartbeat{10000};    // a v1 client silent this long is pinged; told to clients in WELCOME
  milliseconds idle_timeout{20000}; // a v1 client silent this long is dropped (two heartbeats); 0: never
  milliseconds drain_timeout{1000}; // on SIGTERM, how long clients get to leave
  std::size_t max_line = kMaxLine;        // longest v1 line
  std::size_t max_queued = 1u << 20;      // unsent bytes per client before it is dropped
  // Unsent bytes of all clients together (split evenly between the shards);
  // over it, the clients with the most unsent bytes are dropped first. The
  // default keeps a full server (--max-clients idle connections at ~3 KB,
  // plus this) well inside the 256Mi memory limit of k8s/server-deployment.yaml.
  std::size_t max_queued_total = 64u << 20;
  unsigned threads = 0;             // executor threads; 0: one per core
  std::string journal;              // durable journal directory; empty: none
  bool journal_repair = false;      // drop damaged journal bytes instead of refusing to start
  std::uint64_t journal_segment_bytes = kDefaultSegmentBytes;  // a shard starts a new segment past this
  std::uint64_t journal_max_bytes = kDefaultJournalMaxBytes;   // all segments together; the oldest go
  bool log_json = false;
  bool log_turns = true;            // the seed's "NAME sent: PAYLOAD" line per turn
  // A ring new to the process starts its numbers at the wall clock in
  // microseconds (true), or above the journal's floor (false: 1 on a fresh
  // server without a journal, so numbers restart at 1 after a restart).
  bool turns_from_clock = true;
};

}  // namespace baton::server

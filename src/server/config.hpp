// Everything baton-server can be told, with its defaults (see baton-server --help).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/limits.hpp"

namespace baton::server {

using std::chrono::milliseconds;

inline constexpr std::uint64_t kDefaultSegmentBytes = 16ull << 20;     // --journal-segment-bytes
inline constexpr std::uint64_t kDefaultJournalMaxBytes = 256ull << 20; // --journal-max-bytes
inline constexpr std::size_t kMaxMetricsRings = 32;  // --metrics-ring: each adds 4 series
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
  // A HELLO 2 member's seat outlives its connection this long (0: not at all),
  // so that a client cut off by a network blip resumes its place.
  milliseconds resume_grace{5000};
  std::size_t watch_backlog = 256;  // sends kept per ring for HELLO 2 watchers that resume (and at most 64 KiB)
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

  // --- who may connect and do what (docs/ARCHITECTURE.md, "Security model") ---
  bool plain = true;                       // false (--no-plain): no plain TCP port, only --tls-port
  std::optional<std::uint16_t> tls_port;   // TLS listener; 0: any free port (logged)
  std::string tls_cert;                    // PEM certificate chain of the TLS listener
  std::string tls_key;                     // PEM private key of it
  std::string tls_client_ca;               // mutual TLS: client certificates must come from this CA
  // TLS connections at once (each holds ~60 KB of TLS buffers); more get SERVER_FULL.
  std::size_t max_tls_clients = 2048;
  std::string auth_file;                   // tokens and their rights; empty: anyone may do anything
  // The ring the seed's legacy clients (who can't present a token) join;
  // empty: legacy clients are refused. Unset: "default" without --auth-file,
  // none with one.
  std::optional<std::string> legacy_ring;
  std::size_t max_conns_per_addr = 128;    // connections at once from one address (IPv6: one /64); 0: no bound
  double conn_rate_per_addr = 50;          // new connections per second from one address (bursts of twice that); 0: no bound
  std::size_t max_members_per_ring = 256;  // members of one ring
  std::size_t max_watchers_per_ring = 256; // watchers of one ring
  std::size_t max_rings = 16384;           // rings on the server
  milliseconds auth_fail_delay{250};       // an address's next verdicts wait this long per recent failed token
  milliseconds auth_fail_delay_max{5000};  // ... but at most this long

  // --- observability (docs/ADMIN.md) ---
  std::size_t ring_history = 16;           // events kept per ring for /rings/NAME and /events?ring=; 0: none
  std::vector<std::string> metrics_rings;  // rings exported by name in /metrics (at most kMaxMetricsRings)
  std::size_t max_admin_streams = 32;      // /events streams at once; more get 503
  std::size_t max_admin_connections = 64;  // admin HTTP connections at once (streams included); more get 503

  // The legacy ring in effect (legacy_ring resolved against auth_file).
  std::string effective_legacy_ring() const { return legacy_ring ? *legacy_ring : auth_file.empty() ? "default" : ""; }
};

}  // namespace baton::server

// The network layer's counters for /metrics and /status (docs/ADMIN.md).
// Each struct has one writer thread, named on it; the scraper sums them on
// shard 0 at scrape time (core/stat_counter.hpp: no lock, no shared
// read-modify-write on the turn path).
#pragma once

#include <array>
#include <cstddef>

#include "core/close_reason.hpp"
#include "core/error_counts.hpp"
#include "core/participant.hpp"
#include "core/stat_counter.hpp"

namespace baton::server {

// baton_connections{wire,role}: the wire is tls for any TLS connection.
enum class ConnWire : std::uint8_t { v1, legacy, tls };
inline constexpr std::array<const char*, 3> kConnWireNames = {"v1", "legacy", "tls"};
inline constexpr std::array<const char*, 2> kConnRoleNames = {"member", "watcher"};
inline constexpr std::size_t conn_kind(Wire wire, bool tls, bool watcher) {
  const auto w = tls ? ConnWire::tls : wire == Wire::legacy ? ConnWire::legacy : ConnWire::v1;
  return static_cast<std::size_t>(w) * kConnRoleNames.size() + (watcher ? 1 : 0);
}
inline constexpr std::size_t kConnKinds = kConnWireNames.size() * kConnRoleNames.size();

// Writer: the shard's thread (its sessions).
struct ShardStats {
  ClosedCounts closed;
  ErrorCounts errors;
  std::array<Gauge, kConnKinds> connections;
  Counter received_bytes;
  Counter sent_bytes;
  HandoffHistogram handoff{kHandoffBoundsNs};  // holder's SEND read -> next GRANT written
};

// Writer: shard 0's thread (the listener: accepts and handshakes).
struct ListenerStats {
  ClosedCounts closed;
  ErrorCounts errors;
  Counter accepted;
  Gauge handshakes;
};

// Writer: shard 0's thread (the admin port).
struct AdminStats {
  Gauge connections;       // admin HTTP connections open, streams included
  Gauge streams;           // /events streams open
  Counter streams_dropped; // ... dropped as slow viewers
};

}  // namespace baton::server

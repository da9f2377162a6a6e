// The server's counters summed over their writers (every shard, the
// listener, the journals, the log), as one plain value: what /metrics and
// /status render. Built by StatusSource::totals() at scrape time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/close_reason.hpp"
#include "core/error_counts.hpp"
#include "core/stat_counter.hpp"
#include "server/stats.hpp"

namespace baton::server {

struct HistogramTotals {
  std::vector<double> bounds_seconds;  // upper bounds; +Inf implied
  std::vector<std::uint64_t> buckets;  // per bucket, not cumulative; one more than bounds (+Inf)
  double sum_seconds = 0;
  std::uint64_t count = 0;

  template <std::size_t N>
  void add(const Histogram<N>& h) {
    shape(h.bounds());
    for (std::size_t i = 0; i <= N; ++i) buckets[i] += h.bucket(i);
    sum_seconds += static_cast<double>(h.sum_ns()) / 1e9;
    count += h.count();
  }
  // Holds every bucket's bounds even before the first add.
  template <std::size_t N>
  void shape(const Bounds<N>& bounds) {
    if (!buckets.empty()) return;
    for (auto ns : bounds) bounds_seconds.push_back(static_cast<double>(ns) / 1e9);
    buckets.assign(N + 1, 0);
  }
};

struct Totals {
  ClosedTotals closed{};
  std::array<std::uint64_t, kErrorCodes.size()> errors{};
  std::array<std::int64_t, kConnKinds> connections{};
  std::int64_t handshakes = 0;
  std::uint64_t accepted = 0;
  std::uint64_t received_bytes = 0;
  std::uint64_t sent_bytes = 0;
  std::uint64_t grants = 0;
  std::uint64_t sends = 0;
  std::uint64_t revoked = 0;
  std::uint64_t holder_left = 0;
  std::uint64_t passed = 0;
  std::uint64_t resumed = 0;
  std::uint64_t seats_expired = 0;
  std::int64_t seats_detached = 0;
  std::uint64_t admin_actions = 0;
  std::int64_t rings = 0;
  std::int64_t rings_waiting = 0;
  std::uint64_t journal_syncs = 0;
  std::uint64_t journal_errors = 0;
  std::uint64_t log_lines_dropped = 0;
  std::int64_t admin_streams = 0;
  std::uint64_t admin_streams_dropped = 0;
  HistogramTotals handoff;
  HistogramTotals hold;
  HistogramTotals journal_sync;

  std::int64_t connections_open() const {
    std::int64_t n = 0;
    for (auto c : connections) n += c;
    return n;
  }
};

}  // namespace baton::server

// Counters for /metrics that cost the turn path no lock and no shared
// read-modify-write: each one has a single writer (its shard's thread, the
// listener, the log thread) that adds with a plain load and store, and any
// thread may read it at scrape time. A relaxed load + store of a 64-bit
// atomic compiles to two ordinary moves on x86-64 and AArch64: no lock
// prefix, no fence; the atomic type only makes the concurrent read defined.
//
// Thread: add()/set() by the owner's thread only; get() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace baton {

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// A value that goes up and down (connections open, rings), same contract.
class Gauge {
 public:
  void add(std::int64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  std::int64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

// Bucket upper bounds in nanoseconds (the last bucket, +Inf, is implicit).
template <std::size_t N>
using Bounds = std::array<std::uint64_t, N>;

// Hand-offs: 5 us (a loopback round trip is ~10 us) to 1 s.
inline constexpr Bounds<17> kHandoffBoundsNs = {5'000,       10'000,      25'000,      50'000,     100'000,
                                                250'000,     500'000,     1'000'000,   2'500'000,  5'000'000,
                                                10'000'000,  25'000'000,  50'000'000,  100'000'000, 250'000'000,
                                                500'000'000, 1'000'000'000};
// Holding the baton: 50 us (a flat-out member) to 60 s (past the default turn timeout).
inline constexpr Bounds<16> kHoldBoundsNs = {50'000,        100'000,        500'000,        1'000'000,
                                             5'000'000,     10'000'000,     50'000'000,     100'000'000,
                                             500'000'000,   1'000'000'000,  2'500'000'000,  5'000'000'000,
                                             10'000'000'000, 20'000'000'000, 30'000'000'000, 60'000'000'000};
// One journal write + fdatasync: 50 us (a fast NVMe) to 5 s (a disk in trouble).
inline constexpr Bounds<14> kSyncBoundsNs = {50'000,      100'000,     250'000,     500'000,      1'000'000,
                                             2'500'000,   5'000'000,   10'000'000,  25'000'000,   50'000'000,
                                             100'000'000, 250'000'000, 1'000'000'000, 5'000'000'000};

// A fixed-bucket histogram of durations. Per-bucket (not cumulative) counts,
// so an observation touches one bucket, the sum and the count; the scraper
// accumulates.
template <std::size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(const Bounds<N>& bounds) noexcept : bounds_(bounds) {}
  void observe(std::chrono::nanoseconds d) noexcept {
    const std::uint64_t ns = d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
    std::size_t i = 0;
    while (i < N && ns > bounds_[i]) ++i;
    buckets_[i].add();
    sum_ns_.add(ns);
    count_.add();
  }
  static constexpr std::size_t size() noexcept { return N; }
  const Bounds<N>& bounds() const noexcept { return bounds_; }
  std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].get(); }  // i == N: +Inf
  std::uint64_t sum_ns() const noexcept { return sum_ns_.get(); }
  std::uint64_t count() const noexcept { return count_.get(); }

 private:
  const Bounds<N>& bounds_;
  std::array<Counter, N + 1> buckets_{};
  Counter sum_ns_;
  Counter count_;
};

using HandoffHistogram = Histogram<kHandoffBoundsNs.size()>;
using HoldHistogram = Histogram<kHoldBoundsNs.size()>;
using SyncHistogram = Histogram<kSyncBoundsNs.size()>;

}  // namespace baton

// When a Client connects again and how long it waits first: which failures
// may pass by themselves, exponential back-off with full jitter, and the
// bound on one outage. Pure but for the random numbers (one generator per
// Client, seeded apart so that clients cut off together spread out). Thread:
// owned by one Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "baton/client.hpp"

namespace baton::detail {

// Whether connecting again may help: the connection or the server failed, or
// the server turned us away for now (see "Reconnecting" in baton/client.hpp).
// BAD_VERSION is not: the next HELLO must change first.
bool retryable(const Error& e) noexcept;

class Backoff {
 public:
  using milliseconds = std::chrono::milliseconds;

  Backoff(const ReconnectPolicy& policy, std::uint64_t seed);
  // The wait before the next attempt: uniform in [0, min(max_delay,
  // initial_delay * 2^n)] for the n-th wait since reset().
  milliseconds next();
  void reset() noexcept { waits_ = 0; }

 private:
  milliseconds initial_;
  milliseconds cap_;
  int waits_ = 0;
  std::mt19937_64 rng_;
};

// One stretch of time without a connection, bounded by give_up_after.
class Outage {
 public:
  using clock_type = std::chrono::steady_clock;

  Outage(clock_type::time_point start, std::chrono::milliseconds limit) : start_(start), limit_(limit) {}
  bool over(clock_type::time_point now) const noexcept { return limit_.count() > 0 && now - start_ >= limit_; }
  // What is left of it, at most `cap` (no limit: cap).
  std::chrono::milliseconds left(clock_type::time_point now, std::chrono::milliseconds cap) const;
  std::chrono::milliseconds limit() const noexcept { return limit_; }

 private:
  clock_type::time_point start_;
  std::chrono::milliseconds limit_;
};

}  // namespace baton::detail

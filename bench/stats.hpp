// Summaries of repeated measurements.
#pragma once

#include <cstdint>
#include <vector>

namespace baton::bench {

struct Latency {
  double p50_us = 0, p99_us = 0, p999_us = 0;
};
// Percentiles of intervals given in nanoseconds.
Latency percentiles(std::vector<std::int64_t> ns);

struct Spread {
  double median = 0, min = 0, max = 0;
};
Spread spread(std::vector<double> v);

}  // namespace baton::bench

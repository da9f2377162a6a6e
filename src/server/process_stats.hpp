// The standard process_* metrics of Prometheus client libraries, read from
// /proc/self (prometheus-cpp has no process collector). Linux only.
// Thread: any; each call reads /proc afresh.
#pragma once

#include <cstdint>

namespace baton::server {

struct ProcessStats {
  double cpu_seconds = 0;          // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;              // the soft RLIMIT_NOFILE
  double start_time_seconds = 0;   // since the epoch
  double threads = 0;
};

ProcessStats read_process_stats();

}  // namespace baton::server

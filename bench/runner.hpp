// Runs the benchmark plan: the systems interleaved (baton, ping-pong, redis,
// baton, …) in both placements, then the optional modes.
#pragma once

#include <string>

#include "report.hpp"

namespace baton::bench {

struct Plan {
  std::size_t turns = 20000;
  std::size_t runs = 3;
  std::size_t members = 2;
  std::size_t idle_clients = 0;  // 0: skip
  std::size_t rings = 0;         // 0: skip
  std::size_t syscall_turns = 0; // 0: skip
  bool skip_redis = false;
  std::string server_bin;
  bool journal_cases = false;
  std::size_t journal_rings = 1000;
  std::size_t journal_turns = 4000;  // per journaled run: every turn waits for a sync
  std::string journal_dir_base = "/tmp";
  std::size_t idle_rings = 0;  // 0: skip
  double idle_window_s = 3;
  std::size_t idle_rings_budget_s = 300;  // per server setting, for creating the rings
  bool scrape = false;  // the admin port's cost, with idle_clients and rings (or their defaults there)
  std::size_t scrape_requests = 100, scrape_turns = 100000;
  bool tls_case = false;  // also baton over TLS (system "baton-tls"), interleaved with the others
};

Report run_plan(const Plan& plan);

}  // namespace baton::bench

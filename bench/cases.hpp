// The measured systems. Each run_* starts what it needs, takes `turns` turns
// (or round trips), stops everything, and reports one run's figures.
// Placement: cpu < 0 spreads processes over all cores; cpu >= 0 pins the
// bench process and every child to that core.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace baton::bench {

struct CaseSpec {
  int cpu = -1;
  std::size_t turns = 20000;
  std::size_t members = 2;  // per ring
  std::size_t rings = 1;
  std::string server_bin;
};

struct RunResult {
  double turns_per_s = 0;
  std::vector<std::int64_t> handoffs_ns;  // grant-to-grant (ping-pong: round trip)
  double server_cpu_us_per_turn = -1;     // -1: no server process
  std::uint64_t server_hwm_kb = 0;
};

RunResult run_baton(const CaseSpec& spec);
RunResult run_pingpong(const CaseSpec& spec);
RunResult run_redis(const CaseSpec& spec);

struct IdleResult {
  std::size_t clients = 0;
  std::uint64_t rss_before_kb = 0, rss_after_kb = 0, hwm_kb = 0;
  double bytes_per_connection = 0;
};
IdleResult run_idle(const std::string& server_bin, std::size_t clients);

struct SyscallResult {
  std::size_t turns = 0;
  double per_turn = 0;
  std::map<std::string, double> breakdown;  // syscall -> calls per turn
};
SyscallResult run_syscalls(const std::string& server_bin, std::size_t turns);

}  // namespace baton::bench

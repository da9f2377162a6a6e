// Child processes for the benchmark: spawn with optional CPU pinning, read
// their CPU time and peak RSS from /proc, stop them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace baton::bench {

// The bench measures speed, not the per-address and per-ring quotas: every
// member connects from 127.0.0.1, often more of them than a quota allows.
inline const std::vector<std::string> kNoQuotaFlags = {
    "--max-conns-per-addr", "0", "--conn-rate-per-addr", "0", "--max-members-per-ring", "10000000",
    "--max-watchers-per-ring", "10000000", "--max-rings", "10000000"};


// Pins the calling thread (and what it forks afterwards) to one CPU, or
// unpins it (cpu < 0) to all CPUs.
void pin_self(int cpu);
// The same for every thread of a running process.
void pin_process(pid_t pid, int cpu);

struct Child {
  pid_t pid = -1;
  std::string log;  // file that holds the child's stdout and stderr
};

// fork+exec argv with stdout/stderr to a temp file; pinned to cpu if >= 0.
Child spawn(const std::vector<std::string>& argv, int cpu);
// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status code or -1.
int stop(Child& c, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
// Waits until the child's log holds `marker`; returns the log's text after it (up to end of line).
std::string wait_for_log(const Child& c, const std::string& marker, std::chrono::milliseconds timeout);

struct ProcStats {
  double cpu_seconds = 0;    // utime + stime, all threads
  std::uint64_t hwm_kb = 0;  // peak RSS
  std::uint64_t rss_kb = 0;  // RSS now
};
ProcStats proc_stats(pid_t pid);

// An unused loopback TCP port.
std::uint16_t free_port();
// Raises RLIMIT_NOFILE to its hard limit (children inherit it).
void raise_fd_limit();

}  // namespace baton::bench

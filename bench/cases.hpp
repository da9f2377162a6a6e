// The measured systems. Each run_* starts what it needs, takes `turns` turns
// (or round trips), stops everything, and reports one run's figures.
// Placement: cpu < 0 spreads processes over all cores; cpu >= 0 pins the
// bench process and every child to that core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "procs.hpp"

namespace baton::bench {

struct CaseSpec {
  int cpu = -1;
  std::size_t turns = 20000;
  std::size_t members = 2;  // per ring
  std::size_t rings = 1;
  std::string server_bin;
  // baton only. Timeouts off by default so that a slow run measures turns,
  // not revokes; the idle-ring case replaces them with the server's defaults.
  std::vector<std::string> server_flags{"--idle-timeout", "0", "--turn-timeout", "0"};
  std::string journal;          // --journal path; empty: no journal
  std::size_t min_members = 0;  // 0: members
  std::string ring_prefix = "r";
  bool admin = false;           // the admin HTTP port on (any free port), instead of --no-admin
  std::size_t max_clients = 0;  // 0: the members and a margin
  // TLS: members connect to --tls-port (the plain port is off) and verify the
  // server against tls.ca. Empty: plain TCP.
  struct Tls {
    std::string ca, cert, key;
  } tls;
};

struct RunResult {
  double turns_per_s = 0;
  std::vector<std::int64_t> handoffs_ns;  // grant-to-grant (ping-pong: round trip)
  double server_cpu_us_per_turn = -1;     // -1: no server process
  std::uint64_t server_hwm_kb = 0;
  std::size_t revokes = 0;  // turns lost to --turn-timeout (baton; 0 when the timeout is off)
};

RunResult run_baton(const CaseSpec& spec);

// The same in two steps, for cases that measure rings on a server that has
// been prepared first (stop it with stop(server.child)).
struct BatonServer {
  Child child;
  std::uint16_t port = 0;
  std::uint16_t admin_port = 0;  // 0: no admin port (spec.admin off)
};
BatonServer start_baton(const CaseSpec& spec);
RunResult drive_baton(const BatonServer& server, const CaseSpec& spec);
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

// Journaled against unjournaled turns/s, for one ring and for many.
struct JournalCase {
  std::size_t rings = 0;
  std::size_t plain_turns = 0, journal_turns = 0;  // per run
  double plain_turns_per_s = 0, journal_turns_per_s = 0;                 // medians of the runs
  double plain_server_cpu_us_per_turn = 0, journal_server_cpu_us_per_turn = 0;
  double journal_bytes_per_turn = 0;
};
struct JournalResult {
  std::string dir_base, fs_type;
  std::vector<JournalCase> cases;
};
struct JournalPlan {
  std::string server_bin, dir_base;
  std::size_t turns = 0, journal_turns = 0, rings = 0, runs = 0;
};
JournalResult run_journal_cases(const JournalPlan& plan, const std::function<void(const std::string&)>& progress);

// What rings that had traffic once and are now empty cost a server, under one
// set of server flags.
struct IdleRingsResult {
  std::string setting;  // e.g. "defaults", "--turn-timeout 50ms"
  std::vector<std::string> server_flags;
  std::size_t rings_wanted = 0, rings_created = 0;
  double create_seconds = 0;
  std::uint64_t fresh_rss_kb = 0, rss_kb = 0;
  double bytes_per_ring = 0;
  double idle_window_s = 0, fresh_idle_cpu_percent = 0, idle_cpu_percent = 0;
  double fresh_live_turns_per_s = 0, live_turns_per_s = 0;  // medians of the runs
  double fresh_live_server_cpu_us_per_turn = 0, live_server_cpu_us_per_turn = 0;
  std::size_t fresh_live_revokes = 0, live_revokes = 0;  // summed over the runs
  std::size_t turn_failures = 0;  // idle rings that were made but whose one turn failed
  std::string first_error;
};
struct IdleRingsPlan {
  std::string server_bin;
  std::size_t rings = 0, turns = 0, runs = 0;
  double idle_window_s = 3;
  std::chrono::seconds create_budget{300};
};
IdleRingsResult run_idle_rings(const IdleRingsPlan& plan, const std::string& setting,
                               const std::vector<std::string>& server_flags,
                               const std::function<void(const std::string&)>& progress);

// What the admin port costs: scrape latency and size with many idle
// connections, and the turn rate of one ring while a scraper polls.
struct ScrapePath {
  std::string target;  // e.g. "/metrics"
  std::size_t requests = 0;
  double first_ms = 0;  // the first request, not among the `requests`
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t body_bytes = 0;            // of the last response
  double server_cpu_ms_per_request = 0;  // utime+stime over the requests / requests
};
struct ScrapePoll {
  std::string placement;  // spread, pinned (as the main cases)
  double hz = 0;          // 0: no scraper
  std::vector<double> turns_per_s;  // one per run
  double median_turns_per_s = 0, server_cpu_us_per_turn = 0;
  std::size_t scrapes = 0, scrape_failures = 0;  // summed over the runs
  double metrics_p50_ms = 0;  // /metrics latency while the ring ran flat out (0: none)
  double handoff_p99_us = 0, handoff_p999_us = 0, handoff_max_us = 0;  // all runs together
};
struct ScrapeResult {
  std::size_t idle_clients = 0, rings = 0, threads = 0;
  std::size_t open_connections = 0, rings_waiting = 0;  // as /status counted them before the scrapes
  std::uint64_t server_rss_kb = 0;
  double background_cpu_percent = 0;  // the idle server, over one second before the scrapes
  std::vector<ScrapePath> fresh_paths, paths;  // before the idle clients connected, and with them
  std::size_t fds = 0;    // entries in /proc/<server>/fd with the idle clients
  double fd_list_ms = 0;  // median time this process takes to list them, as process_open_fds does
  std::size_t turns_per_run = 0;
  std::size_t live_shard = 0;  // the live ring's: the admin port's (live_prefix, scrape_case.cpp)
  std::vector<ScrapePoll> polls;  // per placement: none first, then each poll rate
};
struct ScrapePlan {
  std::string server_bin;
  std::size_t idle_clients = 10000, rings = 1000, requests = 100, turns = 100000, runs = 3;
  std::vector<double> poll_hz{1, 10};
};
ScrapeResult run_scrape(const ScrapePlan& plan, const std::function<void(const std::string&)>& progress);

}  // namespace baton::bench

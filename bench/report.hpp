// The benchmark's figures: a human table on stdout and the same as JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases.hpp"
#include "stats.hpp"

namespace baton::bench {

struct CaseSummary {
  std::string system;     // baton, pingpong, redis
  std::string placement;  // spread, pinned
  Spread turns_per_s;
  Latency handoff;
  double server_cpu_us_per_turn = -1;
  std::uint64_t server_peak_rss_kb = 0;
};
CaseSummary summarize(const std::string& system, const std::string& placement, const std::vector<RunResult>& runs);

struct RingsSummary {
  std::size_t rings = 0;
  double one_ring_turns_per_s = 0, aggregate_turns_per_s = 0;
};

struct Report {
  std::size_t turns = 0, runs = 0, members = 0;
  std::vector<CaseSummary> cases;
  std::optional<IdleResult> idle;
  std::optional<RingsSummary> rings;
  std::optional<SyscallResult> syscalls;
  std::optional<JournalResult> journal;
  std::vector<IdleRingsResult> idle_rings;
  std::optional<ScrapeResult> scrape;
};

nlohmann::json to_json(const Report& r);
void print_table(const Report& r);
// The scrape case's parts of both (scrape_report.cpp).
nlohmann::json scrape_json(const ScrapeResult& x);
void print_scrape(const ScrapeResult& x);

}  // namespace baton::bench

// The scrape case's figures (run_scrape), as JSON and as a table section.
#include <cstdio>
#include <string>

#include "report.hpp"

namespace baton::bench {

namespace {

nlohmann::json path_json(const ScrapePath& p) {
  return {{"target", p.target}, {"requests", p.requests},
          {"latency_ms", {{"first", p.first_ms}, {"p50", p.p50_ms}, {"p99", p.p99_ms}, {"max", p.max_ms}}},
          {"body_bytes", p.body_bytes}, {"server_cpu_ms_per_request", p.server_cpu_ms_per_request}};
}

// To the unscraped runs of the same placement.
double ratio(const ScrapeResult& x, const ScrapePoll& p) {
  for (const auto& base : x.polls)
    if (base.placement == p.placement && base.hz == 0 && base.median_turns_per_s > 0)
      return p.median_turns_per_s / base.median_turns_per_s;
  return 0;
}

}  // namespace

nlohmann::json scrape_json(const ScrapeResult& x) {
  using nlohmann::json;
  json j = {{"idle_clients", x.idle_clients}, {"open_connections", x.open_connections}, {"rings", x.rings},
            {"rings_waiting", x.rings_waiting}, {"threads", x.threads}, {"server_rss_kb", x.server_rss_kb},
            {"background_cpu_percent", x.background_cpu_percent},
            {"fd_listing", {{"entries", x.fds}, {"ms", x.fd_list_ms}}},
            {"paths", json::array()}, {"fresh_paths", json::array()}};
  for (const auto& p : x.paths) j["paths"].push_back(path_json(p));
  for (const auto& p : x.fresh_paths) j["fresh_paths"].push_back(path_json(p));
  auto& t = j["turn_rate"] = {{"turns_per_run", x.turns_per_run}, {"live_ring_shard", x.live_shard},
                              {"poll_paths", json::array({"/metrics", "/status"})}, {"polls", json::array()}};
  for (const auto& p : x.polls)
    t["polls"].push_back({{"placement", p.placement}, {"hz", p.hz}, {"turns_per_s", {{"median", p.median_turns_per_s}, {"runs", p.turns_per_s}}},
                          {"ratio_to_unscraped", ratio(x, p)}, {"server_cpu_us_per_turn", p.server_cpu_us_per_turn},
                          {"requests", p.scrapes}, {"failures", p.scrape_failures},
                          {"metrics_p50_ms", p.metrics_p50_ms},
                          {"handoff_us", {{"p99", p.handoff_p99_us}, {"p999", p.handoff_p999_us},
                                          {"max", p.handoff_max_us}}}});
  return j;
}

void print_scrape(const ScrapeResult& x) {
  std::printf("\nscrape: admin port, %zu idle clients (%zu open) in %zu rings (%zu waiting), %zu threads, "
              "server RSS %.1f MB, idle CPU %.1f%%\n",
              x.idle_clients, x.open_connections, x.rings, x.rings_waiting, x.threads,
              static_cast<double>(x.server_rss_kb) / 1024.0, x.background_cpu_percent);
  std::printf("%-18s %8s %5s %8s %8s %8s %11s %15s   %s\n", "GET", "first ms", "n", "p50 ms", "p99 ms", "max ms",
              "body bytes", "srv CPU ms/req", "fresh server: p50 ms, bytes, CPU ms/req");
  for (std::size_t i = 0; i < x.paths.size(); ++i) {
    const auto& p = x.paths[i];
    std::printf("%-18s %8.2f %5zu %8.2f %8.2f %8.2f %11zu %15.2f", p.target.c_str(), p.first_ms, p.requests,
                p.p50_ms, p.p99_ms, p.max_ms, p.body_bytes, p.server_cpu_ms_per_request);
    if (i < x.fresh_paths.size())
      std::printf("   %.2f, %zu, %.2f", x.fresh_paths[i].p50_ms, x.fresh_paths[i].body_bytes,
                  x.fresh_paths[i].server_cpu_ms_per_request);
    std::printf("\n");
  }
  std::printf("listing /proc/<server>/fd (%zu entries, as process_open_fds does) from the bench: %.2f ms\n", x.fds,
              x.fd_list_ms);
  std::printf("one ring of 2 on shard %zu (the admin port's thread), %zu turns per run, settings interleaved; "
              "ratio: to no scraper, same placement\n",
              x.live_shard, x.turns_per_run);
  std::printf("%-7s %-24s %9s %6s %11s %13s %15s %23s  %s\n", "place", "scraper", "turns/s", "ratio", "srv us/turn",
              "GETs (failed)", "/metrics p50 ms", "handoff p99/p999/max us", "runs");
  for (const auto& p : x.polls) {
    char name[48], gets[32], hand[48], runs[128] = "";
    if (p.hz > 0) std::snprintf(name, sizeof name, "%g/s: /metrics + /status", p.hz);
    else std::snprintf(name, sizeof name, "none");
    std::snprintf(gets, sizeof gets, "%zu (%zu)", p.scrapes, p.scrape_failures);
    for (std::size_t i = 0, at = 0; i < p.turns_per_s.size() && at < sizeof runs; ++i)
      at += static_cast<std::size_t>(
          std::snprintf(runs + at, sizeof runs - at, "%s%.0f", i ? " " : "", p.turns_per_s[i]));
    std::snprintf(hand, sizeof hand, "%.0f / %.0f / %.0f", p.handoff_p99_us, p.handoff_p999_us, p.handoff_max_us);
    std::printf("%-7s %-24s %9.0f %6.3f %11.2f %13s %15.2f %23s  %s\n", p.placement.c_str(), name,
                p.median_turns_per_s, ratio(x, p), p.server_cpu_us_per_turn, gets, p.metrics_p50_ms, hand, runs);
  }
}

}  // namespace baton::bench

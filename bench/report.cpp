#include "report.hpp"

#include <sys/utsname.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

namespace baton::bench {

CaseSummary summarize(const std::string& system, const std::string& placement, const std::vector<RunResult>& runs) {
  CaseSummary s{system, placement, {}, {}, -1, 0};
  std::vector<double> tps, cpu;
  std::vector<std::int64_t> all;
  for (const auto& r : runs) {
    tps.push_back(r.turns_per_s);
    if (r.server_cpu_us_per_turn >= 0) cpu.push_back(r.server_cpu_us_per_turn);
    all.insert(all.end(), r.handoffs_ns.begin(), r.handoffs_ns.end());
    s.server_peak_rss_kb = std::max(s.server_peak_rss_kb, r.server_hwm_kb);
  }
  s.turns_per_s = spread(tps);
  s.handoff = percentiles(all);
  if (!cpu.empty()) s.server_cpu_us_per_turn = spread(cpu).median;
  return s;
}

namespace {

const CaseSummary* find(const Report& r, const std::string& sys, const std::string& place) {
  for (const auto& c : r.cases)
    if (c.system == sys && c.placement == place) return &c;
  return nullptr;
}

std::string machine() {
  utsname u{};
  ::uname(&u);
  std::ifstream cpu("/proc/cpuinfo");
  std::string model = "unknown cpu";
  for (std::string l; std::getline(cpu, l);)
    if (l.rfind("model name", 0) == 0) {
      model = l.substr(l.find(':') + 2);
      break;
    }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, Linux " + u.release;
}

}  // namespace

nlohmann::json to_json(const Report& r) {
  nlohmann::json j;
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["date"] = date;
  j["machine"] = machine();
  j["turns_per_run"] = r.turns;
  j["runs"] = r.runs;
  j["members"] = r.members;
  j["cases"] = nlohmann::json::array();
  for (const auto& c : r.cases) {
    j["cases"].push_back({{"system", c.system}, {"placement", c.placement},
                          {"turns_per_s", {{"median", c.turns_per_s.median}, {"min", c.turns_per_s.min},
                                           {"max", c.turns_per_s.max}}},
                          {"handoff_us", {{"p50", c.handoff.p50_us}, {"p99", c.handoff.p99_us},
                                          {"p999", c.handoff.p999_us}}},
                          {"server_cpu_us_per_turn", c.server_cpu_us_per_turn},
                          {"server_peak_rss_kb", c.server_peak_rss_kb}});
  }
  j["ratios"] = nlohmann::json::object();
  for (const char* place : {"spread", "pinned"}) {
    const auto* b = find(r, "baton", place);
    const auto* p = find(r, "pingpong", place);
    const auto* d = find(r, "redis", place);
    if (!b || !p || !d) continue;
    j["ratios"][place] = {{"baton_vs_pingpong_turns", b->turns_per_s.median / p->turns_per_s.median},
                          {"baton_vs_redis_turns", b->turns_per_s.median / d->turns_per_s.median},
                          {"baton_vs_pingpong_p99", b->handoff.p99_us / p->handoff.p99_us}};
  }
  for (const char* place : {"spread", "pinned"}) {
    const auto* b = find(r, "baton", place);
    const auto* t = find(r, "baton-tls", place);
    if (!b || !t) continue;
    j["tls_ratios"][place] = {{"tls_vs_plain_turns", t->turns_per_s.median / b->turns_per_s.median},
                              {"tls_vs_plain_p99", t->handoff.p99_us / b->handoff.p99_us}};
  }
  if (r.idle)
    j["idle"] = {{"clients", r.idle->clients}, {"server_rss_before_kb", r.idle->rss_before_kb},
                 {"server_rss_kb", r.idle->rss_after_kb}, {"server_peak_rss_kb", r.idle->hwm_kb},
                 {"bytes_per_connection", r.idle->bytes_per_connection}};
  if (r.rings)
    j["rings"] = {{"rings", r.rings->rings}, {"one_ring_turns_per_s", r.rings->one_ring_turns_per_s},
                  {"aggregate_turns_per_s", r.rings->aggregate_turns_per_s},
                  {"ratio", r.rings->aggregate_turns_per_s / r.rings->one_ring_turns_per_s}};
  if (r.journal) {
    auto& jj = j["journal"] = {{"dir_base", r.journal->dir_base}, {"fs_type", r.journal->fs_type},
                               {"cases", nlohmann::json::array()}};
    for (const auto& c : r.journal->cases)
      jj["cases"].push_back(
          {{"rings", c.rings}, {"members_per_ring", 2},
           {"unjournaled", {{"turns", c.plain_turns}, {"turns_per_s", c.plain_turns_per_s},
                            {"server_cpu_us_per_turn", c.plain_server_cpu_us_per_turn}}},
           {"journaled", {{"turns", c.journal_turns}, {"turns_per_s", c.journal_turns_per_s},
                          {"server_cpu_us_per_turn", c.journal_server_cpu_us_per_turn},
                          {"journal_bytes_per_turn", c.journal_bytes_per_turn}}},
           {"ratio", c.journal_turns_per_s / c.plain_turns_per_s}});
  }
  if (!r.idle_rings.empty()) {
    j["idle_rings"] = nlohmann::json::array();
    for (const auto& x : r.idle_rings)
      j["idle_rings"].push_back(
          {{"setting", x.setting}, {"server_flags", x.server_flags}, {"rings_wanted", x.rings_wanted},
           {"rings_created", x.rings_created}, {"create_seconds", x.create_seconds},
           {"fresh_rss_kb", x.fresh_rss_kb}, {"rss_kb", x.rss_kb}, {"bytes_per_ring", x.bytes_per_ring},
           {"idle_window_s", x.idle_window_s}, {"fresh_idle_cpu_percent", x.fresh_idle_cpu_percent},
           {"idle_cpu_percent", x.idle_cpu_percent},
           {"live_turns_per_s", {{"fresh", x.fresh_live_turns_per_s}, {"with_idle_rings", x.live_turns_per_s},
                                 {"ratio", x.live_turns_per_s / x.fresh_live_turns_per_s}}},
           {"live_server_cpu_us_per_turn", {{"fresh", x.fresh_live_server_cpu_us_per_turn},
                                            {"with_idle_rings", x.live_server_cpu_us_per_turn}}},
           {"live_revokes", {{"fresh", x.fresh_live_revokes}, {"with_idle_rings", x.live_revokes}}},
           {"turn_failures", x.turn_failures}, {"first_error", x.first_error}});
  }
  if (r.scrape) j["scrape"] = scrape_json(*r.scrape);
  if (r.syscalls)
    j["syscalls"] = {{"turns", r.syscalls->turns}, {"per_turn", r.syscalls->per_turn},
                     {"breakdown", r.syscalls->breakdown}};
  return j;
}

void print_table(const Report& r) {
  std::printf("baton-bench — %s\n%zu turns per run, %zu runs, %zu members, processes spread or pinned to one core\n\n",
              machine().c_str(), r.turns, r.runs, r.members);
  std::printf("%-9s %-7s %12s %23s %9s %9s %9s %11s %10s\n", "system", "place", "turns/s", "(min-max)", "p50 us",
              "p99 us", "p999 us", "srv us/turn", "srv RSS MB");
  for (const auto& c : r.cases) {
    char range[64];
    std::snprintf(range, sizeof range, "(%.0f-%.0f)", c.turns_per_s.min, c.turns_per_s.max);
    std::printf("%-9s %-7s %12.0f %23s %9.1f %9.1f %9.1f %11.2f %10.1f\n", c.system.c_str(), c.placement.c_str(),
                c.turns_per_s.median, range, c.handoff.p50_us, c.handoff.p99_us, c.handoff.p999_us,
                c.server_cpu_us_per_turn, static_cast<double>(c.server_peak_rss_kb) / 1024.0);
  }
  const auto j = to_json(r);
  for (const char* place : {"spread", "pinned"}) {
    if (!j["ratios"].contains(place)) continue;
    const auto& x = j["ratios"][place];
    std::printf("\n%-7s baton/ping-pong turns/s %.2f (target >= 0.8), baton/redis %.2f (>= 1.5), "
                "p99 baton/ping-pong %.2f (<= 2)",
                place, x["baton_vs_pingpong_turns"].get<double>(), x["baton_vs_redis_turns"].get<double>(),
                x["baton_vs_pingpong_p99"].get<double>());
  }
  for (const char* place : {"spread", "pinned"}) {
    if (!j.contains("tls_ratios") || !j["tls_ratios"].contains(place)) continue;
    const auto& x = j["tls_ratios"][place];
    std::printf("\n%-7s baton over TLS / plain TCP: turns/s %.2f, p99 hand-off %.2f", place,
                x["tls_vs_plain_turns"].get<double>(), x["tls_vs_plain_p99"].get<double>());
  }
  std::printf("\n");
  if (r.idle)
    std::printf("\nidle: %zu members connected: server RSS %.1f MB (%.1f MB before), %.0f bytes per connection "
                "(target <= 64 MB)\n",
                r.idle->clients, static_cast<double>(r.idle->rss_after_kb) / 1024.0,
                static_cast<double>(r.idle->rss_before_kb) / 1024.0, r.idle->bytes_per_connection);
  if (r.rings)
    std::printf("\nrings: %zu rings x 2: %.0f turns/s aggregate vs %.0f for one ring = %.2fx (target >= 1.5)\n",
                r.rings->rings, r.rings->aggregate_turns_per_s, r.rings->one_ring_turns_per_s,
                r.rings->aggregate_turns_per_s / r.rings->one_ring_turns_per_s);
  if (r.journal) {
    std::printf("\njournal (temp dirs in %s, %s): rings of 2, journaled vs unjournaled\n", r.journal->dir_base.c_str(),
                r.journal->fs_type.c_str());
    std::printf("%6s %14s %14s %7s %22s %15s\n", "rings", "unjournaled/s", "journaled/s", "ratio",
                "srv us/turn (unj / j)", "journal B/turn");
    for (const auto& c : r.journal->cases)
      std::printf("%6zu %14.0f %14.0f %7.3f %10.1f / %9.1f %15.1f\n", c.rings, c.plain_turns_per_s,
                  c.journal_turns_per_s, c.journal_turns_per_s / c.plain_turns_per_s, c.plain_server_cpu_us_per_turn,
                  c.journal_server_cpu_us_per_turn, c.journal_bytes_per_turn);
  }
  if (!r.idle_rings.empty()) {
    std::printf("\nidle rings: rings that each had one turn and are now empty; fresh = same server before them\n");
    std::printf("%-20s %9s %8s %17s %7s %21s %23s %6s\n", "setting", "rings", "make s", "RSS MB (fresh)",
                "B/ring", "idle CPU % (fresh)", "live turns/s (fresh)", "ratio");
    for (const auto& x : r.idle_rings)
      std::printf("%-20s %9zu %8.1f %8.1f (%6.1f) %7.0f %10.1f (%8.1f) %11.0f (%9.0f) %6.2f\n", x.setting.c_str(),
                  x.rings_created, x.create_seconds, static_cast<double>(x.rss_kb) / 1024.0,
                  static_cast<double>(x.fresh_rss_kb) / 1024.0, x.bytes_per_ring, x.idle_cpu_percent,
                  x.fresh_idle_cpu_percent, x.live_turns_per_s, x.fresh_live_turns_per_s,
                  x.live_turns_per_s / x.fresh_live_turns_per_s);
    for (const auto& x : r.idle_rings) {
      if (x.rings_created < x.rings_wanted)
        std::printf("  %s: only %zu of %zu rings made (--idle-rings-budget, or failures: %s)\n", x.setting.c_str(),
                    x.rings_created, x.rings_wanted, x.first_error.c_str());
      if (x.turn_failures)
        std::printf("  %s: %zu idle rings made, but their one turn failed (first: %s)\n", x.setting.c_str(),
                    x.turn_failures, x.first_error.c_str());
      if (x.live_revokes || x.fresh_live_revokes)
        std::printf("  %s: live ring turns revoked by --turn-timeout: %zu with idle rings, %zu fresh\n",
                    x.setting.c_str(), x.live_revokes, x.fresh_live_revokes);
    }
  }
  if (r.scrape) print_scrape(*r.scrape);
  if (r.syscalls) {
    std::printf("\nsyscalls at the server, steady state: %.2f per turn (target <= 3):", r.syscalls->per_turn);
    for (const auto& [name, n] : r.syscalls->breakdown) std::printf(" %s %.2f", name.c_str(), n);
    std::printf("\n");
  }
}

}  // namespace baton::bench

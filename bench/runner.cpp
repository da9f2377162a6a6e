#include "runner.hpp"

#include <sysexits.h>

#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "procs.hpp"
#include "tls_files.hpp"

namespace baton::bench {

namespace {

// The two settings: the server's defaults, and a short turn timeout,
// which makes the server tick often.
const std::vector<std::pair<std::string, std::vector<std::string>>> kIdleRingSettings{
    {"defaults", {}}, {"--turn-timeout 50ms", {"--turn-timeout", "50ms"}}};

void progress(const std::string& what) {
  std::fprintf(stderr, "\r\033[K[baton-bench] %s", what.c_str());
  std::fflush(stderr);
}

// Generous: meant to catch a hang, not a slow machine.
std::size_t time_budget_s(const Plan& plan) {
  std::size_t s = 120 + plan.runs * (plan.turns / 500 + plan.rings / 10 + 30);
  if (plan.journal_cases)
    s += plan.runs * (plan.turns / 250 + (plan.journal_turns + plan.journal_rings * 20) / 50 + 60);
  if (plan.idle_rings > 0)
    s += kIdleRingSettings.size() * (plan.idle_rings_budget_s + 60 + 2 * static_cast<std::size_t>(plan.idle_window_s) +
                                     2 * plan.runs * (plan.turns / 500 + 10));
  if (plan.scrape)
    s += 120 + plan.idle_clients / 500 + 3 * plan.scrape_requests / 2 + 6 * plan.runs * (plan.scrape_turns / 500 + 20);
  return s;
}

}  // namespace

Report run_plan(const Plan& plan) {
  // A benchmark must end by itself: if a case hangs (a bug, or a lost
  // connection), give up with an error rather than wait forever.
  std::thread([budget = std::chrono::seconds(time_budget_s(plan))] {
    std::this_thread::sleep_for(budget);
    std::fprintf(stderr, "\nbaton-bench: still running after %llds; giving up\n",
                 static_cast<long long>(budget.count()));
    std::_Exit(EX_SOFTWARE);
  }).detach();
  Report rep;
  rep.turns = plan.turns;
  rep.runs = plan.runs;
  rep.members = plan.members;
  raise_fd_limit();
  std::map<std::pair<std::string, std::string>, std::vector<RunResult>> results;
  std::vector<std::string> systems = plan.skip_redis ? std::vector<std::string>{"baton", "pingpong"}
                                                     : std::vector<std::string>{"baton", "pingpong", "redis"};
  std::optional<TlsFiles> tls;
  if (plan.tls_case) {
    tls.emplace();
    systems.push_back("baton-tls");
  }
  for (std::size_t run = 0; run < plan.runs; ++run) {
    for (const char* place : {"spread", "pinned"}) {
      for (const auto& sys : systems) {
        progress("run " + std::to_string(run + 1) + "/" + std::to_string(plan.runs) + " " + place + " " + sys);
        CaseSpec spec;
        spec.cpu = std::string(place) == "pinned" ? 0 : -1;
        spec.turns = plan.turns;
        spec.members = plan.members;
        spec.server_bin = plan.server_bin;
        if (sys == "baton-tls") spec.tls = {tls->ca(), tls->cert(), tls->key()};
        RunResult r = sys == "baton" || sys == "baton-tls" ? run_baton(spec)
                      : sys == "pingpong"                  ? run_pingpong(spec)
                                                           : run_redis(spec);
        results[{sys, place}].push_back(std::move(r));
      }
    }
  }
  for (const char* place : {"spread", "pinned"})
    for (const auto& sys : systems) rep.cases.push_back(summarize(sys, place, results[{sys, place}]));
  if (plan.rings > 0) {
    RingsSummary rs;
    rs.rings = plan.rings;
    std::vector<double> one, many;
    for (std::size_t run = 0; run < plan.runs; ++run) {
      progress("rings: 1 ring vs " + std::to_string(plan.rings) + " rings, run " + std::to_string(run + 1));
      CaseSpec spec;
      spec.turns = plan.turns;
      spec.server_bin = plan.server_bin;
      one.push_back(run_baton(spec).turns_per_s);
      spec.rings = plan.rings;
      spec.turns = std::max(plan.turns, plan.rings * 20);
      many.push_back(run_baton(spec).turns_per_s);
    }
    rs.one_ring_turns_per_s = spread(one).median;
    rs.aggregate_turns_per_s = spread(many).median;
    rep.rings = rs;
  }
  if (plan.idle_clients > 0) {
    progress("idle: connecting " + std::to_string(plan.idle_clients) + " members");
    rep.idle = run_idle(plan.server_bin, plan.idle_clients);
  }
  if (plan.journal_cases) {
    JournalPlan jp;
    jp.server_bin = plan.server_bin;
    jp.dir_base = plan.journal_dir_base;
    jp.turns = plan.turns;
    jp.journal_turns = plan.journal_turns;
    jp.rings = plan.journal_rings;
    jp.runs = plan.runs;
    rep.journal = run_journal_cases(jp, progress);
  }
  if (plan.idle_rings > 0) {
    IdleRingsPlan ip;
    ip.server_bin = plan.server_bin;
    ip.rings = plan.idle_rings;
    ip.turns = plan.turns;
    ip.runs = plan.runs;
    ip.idle_window_s = plan.idle_window_s;
    ip.create_budget = std::chrono::seconds(plan.idle_rings_budget_s);
    for (const auto& [name, flags] : kIdleRingSettings)
      rep.idle_rings.push_back(run_idle_rings(ip, name, flags, progress));
  }
  if (plan.scrape) {
    ScrapePlan sp;
    sp.server_bin = plan.server_bin;
    if (plan.idle_clients > 0) sp.idle_clients = plan.idle_clients;
    if (plan.rings > 0) sp.rings = plan.rings;
    sp.requests = plan.scrape_requests;
    sp.turns = plan.scrape_turns;
    sp.runs = plan.runs;
    rep.scrape = run_scrape(sp, progress);
  }
  if (plan.syscall_turns > 0) {
    progress("syscalls: strace -c -f over " + std::to_string(plan.syscall_turns) + " turns");
    rep.syscalls = run_syscalls(plan.server_bin, plan.syscall_turns);
  }
  progress("done\n");
  return rep;
}

}  // namespace baton::bench

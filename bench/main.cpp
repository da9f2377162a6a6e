// baton-bench: baton against the physical limit (TCP ping-pong) and against a
// Redis token ring, in one run, spread over all cores and pinned to one.
#include <sysexits.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "runner.hpp"

int main(int argc, char** argv) {
  baton::bench::Plan plan;
  std::string json_out;
  CLI::App app{"baton-bench: turns/s, handoff latency, server CPU and memory of baton vs a raw TCP\n"
               "ping-pong and a Redis token ring, interleaved, spread over all cores and pinned to one."};
  app.add_option("--turns", plan.turns, "Turns (round trips) per run")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--runs", plan.runs, "Runs per case (the table shows the median)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--members", plan.members, "Members in the ring (baton and redis)")->capture_default_str()
      ->check(CLI::Range(2, 1000));
  app.add_option("--idle-clients", plan.idle_clients, "Also connect N idle members and report server RSS");
  app.add_option("--rings", plan.rings, "Also compare R rings of 2 (aggregate) against one ring");
  app.add_option("--syscalls", plan.syscall_turns, "Also count server syscalls per turn over N turns (strace)")
      ->expected(0, 1)->default_str("20000");
  app.add_flag("--no-redis", plan.skip_redis, "Leave out the Redis case");
  app.add_flag("--tls", plan.tls_case,
               "Also run baton over TLS (a throwaway certificate made with the openssl command), interleaved");
  app.add_flag("--journal-cases", plan.journal_cases,
               "Also compare journaled and unjournaled turns/s (1 ring, and --journal-rings rings of 2)");
  app.add_option("--journal-rings", plan.journal_rings, "Rings of 2 in the many-rings journal case")
      ->capture_default_str()->check(CLI::Range(2, 5000));
  app.add_option("--journal-turns", plan.journal_turns, "Turns per journaled run (each waits for a sync)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--journal-dir-base", plan.journal_dir_base,
                 "Where each journaled run makes (and then deletes) its temporary directory")
      ->capture_default_str()->check(CLI::ExistingDirectory);
  app.add_option("--idle-rings", plan.idle_rings,
                 "Also create N rings that each had one turn, then measure idle CPU, RSS and a live ring, "
                 "with the server's defaults and with --turn-timeout 50ms");
  app.add_option("--idle-window", plan.idle_window_s, "Seconds over which idle server CPU is measured")
      ->capture_default_str()->check(CLI::Range(0.1, 60.0));
  app.add_option("--idle-rings-budget", plan.idle_rings_budget_s,
                 "Seconds allowed for creating the idle rings, per setting (the report says how many were made)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--scrape", plan.scrape,
               "Also time GET /metrics, /status, /rings with --idle-clients (10000) idle connections in --rings "
               "(1000) rings, and one ring's turns/s with a scraper polling /metrics and /status or none");
  app.add_option("--scrape-requests", plan.scrape_requests, "Sequential GETs per admin path")->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--scrape-turns", plan.scrape_turns, "Turns per run of the scraped and unscraped ring")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--json", json_out, "Write the figures as JSON to this file");
  char self[PATH_MAX] = {};
  const auto n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  const auto here = std::filesystem::path(std::string(self, n > 0 ? static_cast<std::size_t>(n) : 0)).parent_path();
  plan.server_bin = (here.parent_path() / "apps" / "baton-server" / "baton-server").string();
  app.add_option("--server-bin", plan.server_bin, "baton-server to measure")->capture_default_str();
  try {
    app.parse(argc, argv);
    if (app.count("--syscalls") && plan.syscall_turns == 0) plan.syscall_turns = 20000;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? EX_OK : EX_USAGE;
  }
  try {
    const auto report = baton::bench::run_plan(plan);
    baton::bench::print_table(report);
    if (!json_out.empty()) std::ofstream(json_out) << baton::bench::to_json(report).dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "\nbaton-bench: " << e.what() << "\n";
    return EX_SOFTWARE;
  }
  return 0;
}

// Idle rings: what rings that once had traffic and are now empty cost a
// server that keeps them — CPU while nothing happens, memory, and the speed
// of the one ring that is still live.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "baton/client.hpp"
#include "cases.hpp"
#include "procs.hpp"
#include "stats.hpp"

namespace baton::bench {

namespace {

using Clock = std::chrono::steady_clock;

double idle_cpu_percent(pid_t pid, double window_s) {
  const auto a = proc_stats(pid);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
  const auto b = proc_stats(pid);
  return (b.cpu_seconds - a.cpu_seconds) * 100.0 / std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Live {
  double turns_per_s = 0, server_cpu_us_per_turn = 0;
  std::size_t revokes = 0;
};

// A fresh ring name per run: a ring that already had its turns would start
// at a later turn number and with a different member order.
Live live_ring(const BatonServer& srv, const IdleRingsPlan& plan, const std::string& prefix) {
  std::vector<double> tps, cpu;
  std::size_t revokes = 0;
  for (std::size_t run = 0; run < plan.runs; ++run) {
    CaseSpec spec;
    spec.turns = plan.turns;
    spec.ring_prefix = prefix + std::to_string(run) + "-";
    const RunResult r = drive_baton(srv, spec);
    tps.push_back(r.turns_per_s);
    cpu.push_back(r.server_cpu_us_per_turn);
    revokes += r.revokes;
  }
  return {spread(tps).median, spread(cpu).median, revokes};
}

struct Created {
  std::size_t rings = 0, turn_failures = 0;
  std::string first_error;
};

// Creates rings idle0, idle1, … each by one member that joins, takes its turn
// and leaves. A few threads, one connection each at a time, so that the
// file descriptors in use stay a handful however many rings are made.
// A ring exists once its member is welcome; a turn that fails after that
// (revoked on a busy server, say) is counted apart.
Created create_rings(const IdleRingsPlan& plan, std::uint16_t port, const std::string& setting,
                     const std::function<void(const std::string&)>& progress) {
  constexpr int kThreads = 4;
  constexpr std::size_t kMaxFailures = 100;
  std::atomic<std::size_t> next{0}, created{0}, failures{0}, turn_failures{0};
  std::mutex first_error_mu;
  std::string first_error;
  const auto deadline = Clock::now() + plan.create_budget;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::size_t k; (k = next++) < plan.rings;) {
        if (Clock::now() > deadline || failures >= kMaxFailures) return;
        bool joined = false;
        try {
          ClientOptions o;
          o.port = port;
          o.name = "m";
          o.ring = "idle" + std::to_string(k);
          Client c(o);
          c.connect();
          joined = true;
          ++created;
          c.await_grant();
          c.send("x");
          c.close();
        } catch (const std::exception& e) {
          ++(joined ? turn_failures : failures);
          const std::lock_guard lock(first_error_mu);
          if (first_error.empty()) first_error = e.what();
        }
      }
    });
  }
  const auto t0 = Clock::now();
  while (created + failures < plan.rings && Clock::now() <= deadline && failures < kMaxFailures) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    char line[160];
    std::snprintf(line, sizeof line, "idle rings (%s): %zu/%zu created, %.0f/s, %.0fs", setting.c_str(),
                  created.load(), plan.rings, static_cast<double>(created) / secs, secs);
    progress(line);
  }
  for (auto& t : threads) t.join();
  if (failures >= kMaxFailures) throw std::runtime_error("idle rings: " + std::to_string(failures.load()) +
                                                         " rings could not be created; first: " + first_error);
  return {created, turn_failures, first_error};
}

}  // namespace

IdleRingsResult run_idle_rings(const IdleRingsPlan& plan, const std::string& setting,
                               const std::vector<std::string>& server_flags,
                               const std::function<void(const std::string&)>& progress) {
  IdleRingsResult r;
  r.setting = setting;
  r.server_flags = server_flags;
  r.rings_wanted = plan.rings;
  r.idle_window_s = plan.idle_window_s;
  CaseSpec spec;
  spec.server_bin = plan.server_bin;
  spec.server_flags = server_flags;
  // One member is enough to start a ring, so one connection per idle ring.
  spec.min_members = 1;
  BatonServer srv = start_baton(spec);
  try {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    progress("idle rings (" + setting + "): fresh server, idle window");
    r.fresh_idle_cpu_percent = idle_cpu_percent(srv.child.pid, plan.idle_window_s);
    progress("idle rings (" + setting + "): fresh server, live ring");
    const Live fresh = live_ring(srv, plan, "fresh");
    r.fresh_live_turns_per_s = fresh.turns_per_s;
    r.fresh_live_server_cpu_us_per_turn = fresh.server_cpu_us_per_turn;
    r.fresh_live_revokes = fresh.revokes;
    // After the live runs, so that the difference below is the idle rings'
    // alone, not the buffers the live members left behind.
    r.fresh_rss_kb = proc_stats(srv.child.pid).rss_kb;

    const auto t0 = Clock::now();
    const Created made = create_rings(plan, srv.port, setting, progress);
    r.rings_created = made.rings;
    r.turn_failures = made.turn_failures;
    r.first_error = made.first_error;
    r.create_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    // Let the server finish closing the last connections before it counts as idle.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    r.rss_kb = proc_stats(srv.child.pid).rss_kb;
    if (r.rings_created > 0)
      r.bytes_per_ring = (static_cast<double>(r.rss_kb) - static_cast<double>(r.fresh_rss_kb)) * 1024.0 /
                         static_cast<double>(r.rings_created);
    progress("idle rings (" + setting + "): " + std::to_string(r.rings_created) + " idle rings, idle window");
    r.idle_cpu_percent = idle_cpu_percent(srv.child.pid, plan.idle_window_s);
    progress("idle rings (" + setting + "): " + std::to_string(r.rings_created) + " idle rings, live ring");
    const Live loaded = live_ring(srv, plan, "live");
    r.live_turns_per_s = loaded.turns_per_s;
    r.live_server_cpu_us_per_turn = loaded.server_cpu_us_per_turn;
    r.live_revokes = loaded.revokes;
  } catch (...) {
    stop(srv.child);
    throw;
  }
  stop(srv.child);
  return r;
}

}  // namespace baton::bench

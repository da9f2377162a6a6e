// The admin port's cost: how long a scrape of /metrics, /status and /rings
// takes, and how big it is, on a server holding many idle connections; and
// whether a scraper polling it slows one ring whose members run flat out.
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string_view>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cases.hpp"
#include "http_get.hpp"
#include "idle_conns.hpp"
#include "procs.hpp"
#include "stats.hpp"

namespace baton::bench {

namespace {

using Clock = std::chrono::steady_clock;

// The first connection of each ring is its one member, the others watch it:
// a ring one member short of --min-members 2 exists (and shows in /rings,
// members and watchers both counted) but waits without a grant, so the idle
// rings stay idle while the live ring of 2 still starts. A --min-members above
// 2 would have kept the live ring waiting too.
std::string idle_hello(std::size_t i, std::size_t rings) {
  return std::string("HELLO 1 ") + (i < rings ? "member" : "watcher") + " idle" + std::to_string(i % rings) + " c" +
         std::to_string(i) + "\n";
}

nlohmann::json get_json(std::uint16_t port, const std::string& target) {
  const HttpResponse r = http_get(port, target);
  if (r.status != 200) throw std::runtime_error("GET " + target + ": HTTP " + std::to_string(r.status));
  return nlohmann::json::parse(r.body);
}

// Handshakes finish after the last connect returns; the server's own count
// says when they all have (and that none was refused).
nlohmann::json wait_connected(std::uint16_t admin_port, std::size_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto status = get_json(admin_port, "/status");
    if (status["connections"]["open"].get<std::size_t>() >= n) return status;
    if (Clock::now() > deadline)
      throw std::runtime_error("scrape: only " + status["connections"]["open"].dump() + " of " + std::to_string(n) +
                               " idle connections were accepted");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ScrapePath measure_path(const BatonServer& srv, const std::string& target, std::size_t requests) {
  ScrapePath p;
  p.target = target;
  p.requests = requests;
  // The first request is reported apart: it pays once what a server scraped
  // every few seconds pays once (the kernel's /proc/self/fd entries for
  // descriptors new since the last listing, first allocations).
  const HttpResponse first = http_get(srv.admin_port, target);
  if (first.status != 200) throw std::runtime_error("GET " + target + ": HTTP " + std::to_string(first.status));
  p.first_ms = static_cast<double>(first.elapsed_ns) / 1e6;
  std::vector<std::int64_t> ns;
  const auto before = proc_stats(srv.child.pid);
  for (std::size_t i = 0; i < requests; ++i) {
    const HttpResponse r = http_get(srv.admin_port, target);
    if (r.status != 200) throw std::runtime_error("GET " + target + ": HTTP " + std::to_string(r.status));
    ns.push_back(r.elapsed_ns);
    p.body_bytes = r.body.size();
  }
  const auto after = proc_stats(srv.child.pid);
  p.server_cpu_ms_per_request = (after.cpu_seconds - before.cpu_seconds) * 1e3 / static_cast<double>(requests);
  const Latency l = percentiles(ns);
  p.p50_ms = l.p50_us / 1e3;
  p.p99_ms = l.p99_us / 1e3;
  p.max_ms = static_cast<double>(*std::max_element(ns.begin(), ns.end())) / 1e6;
  return p;
}

// A Prometheus-like scraper: GET /metrics and /status every 1/hz seconds
// (on a fixed schedule, as Prometheus keeps its interval) until stopped.
class Poller {
 public:
  Poller(std::uint16_t port, double hz) {
    if (hz <= 0) return;
    thread_ = std::jthread([this, port, period = std::chrono::duration<double>(1.0 / hz)](std::stop_token token) {
      auto next = Clock::now();
      std::mutex mu;
      std::condition_variable_any cv;
      // The first GETs at once, so that even a short run is scraped.
      do {
        for (const char* target : {"/metrics", "/status"}) {
          try {
            const HttpResponse r = http_get(port, target);
            ++(r.status == 200 ? scrapes : failures);
            if (r.status == 200 && std::string_view(target) == "/metrics") metrics_ns.push_back(r.elapsed_ns);
          } catch (const std::exception&) {
            ++failures;
          }
        }
        next += std::chrono::duration_cast<Clock::duration>(period);
        std::unique_lock lock(mu);
        cv.wait_until(lock, token, next, [] { return false; });
      } while (!token.stop_requested());
    });
  }
  // Joins the thread: the counts are final after this.
  void stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }
  std::size_t scrapes = 0, failures = 0;
  std::vector<std::int64_t> metrics_ns;

 private:
  std::jthread thread_;
};

// What /metrics's process_open_fds costs the server, measured apart: the
// same directory listing, from this process.
std::pair<std::size_t, double> list_fds(pid_t pid) {
  constexpr int kTimes = 21;
  std::vector<double> ms;
  std::size_t n = 0;
  const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
  for (int i = 0; i < kTimes; ++i) {
    const auto t0 = Clock::now();
    n = static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}));
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return {n, spread(ms).median};
}

// The admin port is served on shard 0's event loop, so a live ring there
// shares its thread with every scrape: the worst case, and the one measured.
// The server puts a ring on shard std::hash(name) % threads (its Listener);
// this process's libstdc++ hashes the same way.
std::string live_prefix(const std::string& base, std::size_t threads) {
  for (std::size_t k = 0;; ++k) {
    const std::string prefix = base + "-" + std::to_string(k) + "-";
    if (std::hash<std::string>{}(prefix + "0") % threads == 0) return prefix;
  }
}

// Turns/s of one ring of 2 flat out, with no scraper and with one polling
// at each rate, interleaved run by run, spread and pinned: spread, the rate
// also depends on where the scheduler puts five busy threads on the cores,
// while pinned to one core every scrape's CPU time is taken from the turns,
// which is the cost itself.
std::vector<ScrapePoll> measure_turns(const BatonServer& srv, const CaseSpec& spec, const ScrapePlan& plan,
                                      std::size_t threads, const std::function<void(const std::string&)>& progress) {
  std::vector<ScrapePoll> polls;
  for (const char* place : {"spread", "pinned"}) {
    polls.emplace_back().placement = place;
    for (const double hz : plan.poll_hz) {
      polls.emplace_back().placement = place;
      polls.back().hz = hz;
    }
  }
  const std::size_t per_place = polls.size() / 2;
  struct Samples {
    std::vector<double> cpu;
    std::vector<std::int64_t> metrics_ns, handoffs_ns;
  };
  std::vector<Samples> samples(polls.size());
  for (std::size_t run = 0; run < plan.runs; ++run) {
    for (std::size_t place = 0; place < 2; ++place) {
      const int cpu = place == 0 ? -1 : 0;
      pin_process(srv.child.pid, cpu);
      // Each run starts at another setting, so that a drift of the machine
      // over the runs falls on every setting alike.
      for (std::size_t k = 0; k < per_place; ++k) {
        const std::size_t i = place * per_place + (run + k) % per_place;
        ScrapePoll& poll = polls[i];
        progress("scrape: turn rate, run " + std::to_string(run + 1) + "/" + std::to_string(plan.runs) + ", " +
                 poll.placement + ", " +
                 (poll.hz > 0 ? "polled " + std::to_string(static_cast<int>(poll.hz)) + "/s" : "no scraper"));
        CaseSpec live = spec;
        live.cpu = cpu;
        live.ring_prefix = live_prefix("live" + std::to_string(run) + "-" + std::to_string(i), threads);
        pin_self(cpu);  // the scraper's thread inherits it
        Poller poller(srv.admin_port, poll.hz);
        const RunResult r = drive_baton(srv, live);
        poller.stop();
        pin_self(-1);
        poll.turns_per_s.push_back(r.turns_per_s);
        poll.scrapes += poller.scrapes;
        poll.scrape_failures += poller.failures;
        Samples& x = samples[i];
        x.cpu.push_back(r.server_cpu_us_per_turn);
        x.metrics_ns.insert(x.metrics_ns.end(), poller.metrics_ns.begin(), poller.metrics_ns.end());
        x.handoffs_ns.insert(x.handoffs_ns.end(), r.handoffs_ns.begin(), r.handoffs_ns.end());
      }
    }
  }
  pin_process(srv.child.pid, -1);
  for (std::size_t i = 0; i < polls.size(); ++i) {
    ScrapePoll& p = polls[i];
    const Samples& x = samples[i];
    p.median_turns_per_s = spread(p.turns_per_s).median;
    p.server_cpu_us_per_turn = spread(x.cpu).median;
    p.metrics_p50_ms = percentiles(x.metrics_ns).p50_us / 1e3;
    const Latency h = percentiles(x.handoffs_ns);
    p.handoff_p99_us = h.p99_us;
    p.handoff_p999_us = h.p999_us;
    if (!x.handoffs_ns.empty())
      p.handoff_max_us = static_cast<double>(*std::max_element(x.handoffs_ns.begin(), x.handoffs_ns.end())) / 1e3;
  }
  return polls;
}

}  // namespace

ScrapeResult run_scrape(const ScrapePlan& plan, const std::function<void(const std::string&)>& progress) {
  ScrapeResult res;
  res.idle_clients = plan.idle_clients;
  res.turns_per_run = plan.turns;
  const std::size_t rings = std::max<std::size_t>(1, std::min(plan.rings, plan.idle_clients));
  CaseSpec spec;
  spec.server_bin = plan.server_bin;
  spec.admin = true;
  spec.max_clients = plan.idle_clients + 100;
  spec.turns = plan.turns;
  BatonServer srv = start_baton(spec);
  constexpr const char* kTargets[] = {"/metrics", "/status", "/rings?limit=1000"};
  try {
    for (const std::string target : kTargets) {
      progress("scrape: fresh server, " + std::to_string(plan.requests) + " x GET " + target);
      res.fresh_paths.push_back(measure_path(srv, target, plan.requests));
    }
    progress("scrape: connecting " + std::to_string(plan.idle_clients) + " idle clients to " + std::to_string(rings) +
             " rings");
    const IdleConnections idle(srv.port, plan.idle_clients, [rings](std::size_t i) { return idle_hello(i, rings); });
    const auto status = wait_connected(srv.admin_port, plan.idle_clients);
    res.open_connections = status["connections"]["open"].get<std::size_t>();
    res.rings = status["rings"]["open"].get<std::size_t>();
    res.rings_waiting = status["rings"]["waiting"].get<std::size_t>();
    res.threads = status["threads"].get<std::size_t>();
    const auto a = proc_stats(srv.child.pid);
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto b = proc_stats(srv.child.pid);
    res.background_cpu_percent =
        (b.cpu_seconds - a.cpu_seconds) * 100.0 / std::chrono::duration<double>(Clock::now() - t0).count();
    res.server_rss_kb = b.rss_kb;
    for (const std::string target : kTargets) {
      progress("scrape: " + std::to_string(plan.idle_clients) + " idle clients, " + std::to_string(plan.requests) +
               " x GET " + target);
      res.paths.push_back(measure_path(srv, target, plan.requests));
    }
    std::tie(res.fds, res.fd_list_ms) = list_fds(srv.child.pid);

    progress("scrape: turn rate");
    res.polls = measure_turns(srv, spec, plan, res.threads, progress);
  } catch (...) {
    stop(srv.child);
    throw;
  }
  stop(srv.child);
  return res;
}

}  // namespace baton::bench

// baton: the real baton-server process and members (baton::Client) as threads
// of this process, so grant times of all members come from one clock.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <memory>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "baton/client.hpp"
#include "cases.hpp"
#include "procs.hpp"

namespace baton::bench {

using Clock = std::chrono::steady_clock;

BatonServer start_baton(const CaseSpec& spec) {
  const std::size_t members = spec.members * spec.rings;
  std::vector<std::string> argv{spec.server_bin, "--host", "127.0.0.1", "--port", "0",
                                "--min-members", std::to_string(spec.min_members ? spec.min_members : spec.members),
                                "--no-turn-log", "--max-clients",
                                std::to_string(spec.max_clients ? spec.max_clients : members + 100),
                                "--turn-numbers", "counter"};  // small numbers, consecutive within a ring
  if (spec.admin) argv.insert(argv.end(), {"--admin-port", "0"});
  else argv.push_back("--no-admin");
  argv.insert(argv.end(), kNoQuotaFlags.begin(), kNoQuotaFlags.end());
  argv.insert(argv.end(), spec.server_flags.begin(), spec.server_flags.end());
  if (!spec.journal.empty()) argv.insert(argv.end(), {"--journal", spec.journal});
  if (!spec.tls.ca.empty())
    argv.insert(argv.end(), {"--tls-port", "0", "--tls-cert", spec.tls.cert, "--tls-key", spec.tls.key, "--no-plain"});
  BatonServer s;
  s.child = spawn(argv, spec.cpu);
  try {
    const char* listening = spec.tls.ca.empty() ? "listening on 127.0.0.1:" : "TLS on 127.0.0.1:";
    s.port = static_cast<std::uint16_t>(std::stoi(wait_for_log(s.child, listening, std::chrono::seconds(10))));
    if (spec.admin)
      s.admin_port = static_cast<std::uint16_t>(
          std::stoi(wait_for_log(s.child, "admin HTTP on 127.0.0.1:", std::chrono::seconds(10))));
  } catch (...) {
    stop(s.child);
    throw;
  }
  return s;
}

RunResult run_baton(const CaseSpec& spec) {
  BatonServer srv = start_baton(spec);
  try {
    RunResult r = drive_baton(srv, spec);
    stop(srv.child);
    return r;
  } catch (...) {
    stop(srv.child);
    throw;
  }
}

RunResult drive_baton(const BatonServer& srv, const CaseSpec& spec) {
  const std::size_t members = spec.members * spec.rings;
  const auto port = srv.port;
  pin_self(spec.cpu);
  const std::size_t per_member = std::max<std::size_t>(1, spec.turns / members);
  // Ring 0's members only: (turn, when its holder saw the GRANT, ns since t0),
  // one list per member so that no two threads write the same one. Turns are
  // matched by number, not from 1: a ring made on a server that already had
  // rings starts above every number its shard granted.
  std::vector<std::vector<std::pair<std::uint64_t, std::int64_t>>> grants(spec.members);
  for (auto& g : grants) g.reserve(per_member + 16);
  // Connect every member first, one after another (a storm of simultaneous
  // connects measures the accept queue, not turns), then run them at once.
  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < members; ++i) {
    ClientOptions o;
    o.port = port;
    o.name = "m" + std::to_string(i);
    o.ring = spec.ring_prefix + std::to_string(i / spec.members);
    o.heartbeat = std::chrono::seconds(60);
    if (!spec.tls.ca.empty()) {
      o.tls = true;
      o.tls_ca = spec.tls.ca;
      o.tls_server_name = "localhost";
    }
    clients.push_back(std::make_unique<Client>(o));
    try {
      clients.back()->connect();
    } catch (const std::exception& e) {
      pin_self(-1);
      throw std::runtime_error("member " + std::to_string(i) + " could not connect: " + e.what());
    }
  }
  std::barrier ready(static_cast<std::ptrdiff_t>(members + 1));
  std::atomic<int> failures{0};
  std::atomic<std::size_t> revokes{0};
  std::string first_error;  // written by the first thread to fail only
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < members; ++i) {
    threads.emplace_back([&, i] {
      const std::size_t ring = i / spec.members;
      Client& c = *clients[i];
      ready.arrive_and_wait();
      try {
        for (std::size_t t = 0; t < per_member;) {
          const Grant g = c.await_grant();
          if (ring == 0)
            grants[i].emplace_back(g.turn,
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
          // A server too busy to read a send within --turn-timeout revokes
          // the turn: that is a figure of the case (revokes), not a failure.
          try {
            c.send("x");
            ++t;
          } catch (const Error& e) {
            if (e.kind() != Error::Kind::revoked) throw;
            ++revokes;
          }
        }
        c.close();
      } catch (const std::exception& e) {
        if (failures++ == 0) first_error = e.what();
      }
    });
  }
  const auto before = proc_stats(srv.child.pid);
  ready.arrive_and_wait();
  const auto start = Clock::now();
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const auto after = proc_stats(srv.child.pid);
  pin_self(-1);
  if (failures)
    throw std::runtime_error("baton members failed: " + std::to_string(failures.load()) + "; first: " + first_error);
  RunResult r;
  r.revokes = revokes;
  const double turns = static_cast<double>(per_member * members);
  r.turns_per_s = turns / secs;
  r.server_cpu_us_per_turn = (after.cpu_seconds - before.cpu_seconds) * 1e6 / turns;
  r.server_hwm_kb = after.hwm_kb;
  std::vector<std::pair<std::uint64_t, std::int64_t>> g;
  for (const auto& m : grants) g.insert(g.end(), m.begin(), m.end());
  std::sort(g.begin(), g.end());
  for (std::size_t t = 1; t < g.size(); ++t)
    if (g[t].first == g[t - 1].first + 1) r.handoffs_ns.push_back(g[t].second - g[t - 1].second);
  return r;
}

}  // namespace baton::bench

// Further modes: idle connections (memory per member) and syscalls per turn.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cases.hpp"
#include "idle_conns.hpp"
#include "procs.hpp"

namespace baton::bench {

IdleResult run_idle(const std::string& server_bin, std::size_t clients) {
  raise_fd_limit();
  std::vector<std::string> argv{server_bin, "--host", "127.0.0.1", "--port", "0", "--no-admin", "--min-members",
                                "1000000", "--idle-timeout", "0", "--max-clients", std::to_string(clients + 100)};
  argv.insert(argv.end(), kNoQuotaFlags.begin(), kNoQuotaFlags.end());
  Child srv = spawn(argv, -1);
  const int port = std::stoi(wait_for_log(srv, "listening on 127.0.0.1:", std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  IdleResult r;
  r.clients = clients;
  r.rss_before_kb = proc_stats(srv.pid).rss_kb;
  IdleConnections conns(static_cast<std::uint16_t>(port), clients, [](std::size_t i) {
    return "HELLO 1 member idle" + std::to_string(i % 16) + " m" + std::to_string(i) + "\n";
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let every handshake finish
  const auto s = proc_stats(srv.pid);
  r.rss_after_kb = s.rss_kb;
  r.hwm_kb = s.hwm_kb;
  r.bytes_per_connection = static_cast<double>(r.rss_after_kb - r.rss_before_kb) * 1024.0 / static_cast<double>(clients);
  conns.close_all();
  stop(srv);
  return r;
}

namespace {

// Runs a 2-member ring of `turns` turns under strace -c -f; returns calls per syscall.
std::map<std::string, double> strace_counts(const std::string& server_bin, std::size_t turns) {
  char out[] = "/tmp/baton-strace-XXXXXX";
  ::close(::mkstemp(out));
  Child tracer = spawn({"strace", "-c", "-f", "-o", out, server_bin, "--host", "127.0.0.1", "--port", "0",
                        "--no-admin", "--no-turn-log", "--idle-timeout", "0", "--turn-timeout", "0",
                        "--threads", "1"},
                       -1);
  const int port = std::stoi(wait_for_log(tracer, "listening on 127.0.0.1:", std::chrono::seconds(20)));
  // The members: baton-client processes, as a user would run them.
  const std::string client = server_bin.substr(0, server_bin.rfind("baton-server/baton-server")) + "baton-client/baton-client";
  std::vector<Child> members;
  for (int i = 0; i < 2; ++i)
    members.push_back(spawn({client, "--host", "127.0.0.1", "--port", std::to_string(port), "--name",
                             "s" + std::to_string(i), "--count", std::to_string(turns / 2), "--interval", "0",
                             "--quiet"},
                            -1));
  for (auto& m : members) {
    int status = 0;
    while (::waitpid(m.pid, &status, 0) < 0) {
    }
    ::unlink(m.log.c_str());
  }
  // SIGTERM the server itself (strace's child); strace then writes the summary and exits.
  std::ifstream kids("/proc/" + std::to_string(tracer.pid) + "/task/" + std::to_string(tracer.pid) + "/children");
  pid_t server = 0;
  kids >> server;
  if (server > 0) ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(tracer.pid, &status, 0);
  ::unlink(tracer.log.c_str());
  std::ifstream in(out);
  std::map<std::string, double> calls;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> cols;
    for (std::string c; f >> c;) cols.push_back(c);
    // "% time seconds usecs/call calls [errors] syscall"
    if (cols.size() < 5 || cols[0].find('.') == std::string::npos || cols.back() == "total") continue;
    calls[cols.back()] = std::stod(cols[3]);
  }
  ::unlink(out);
  return calls;
}

}  // namespace

SyscallResult run_syscalls(const std::string& server_bin, std::size_t turns) {
  // Steady state: the difference between a long and a short run cancels
  // start-up, connection set-up and shutdown.
  const std::size_t base_turns = 20;
  const auto base = strace_counts(server_bin, base_turns);
  const auto full = strace_counts(server_bin, base_turns + turns);
  SyscallResult r;
  r.turns = turns;
  for (const auto& [name, n] : full) {
    const double d = (n - (base.count(name) ? base.at(name) : 0.0)) / static_cast<double>(turns);
    if (d > 0.005) r.breakdown[name] = d;
    if (d > 0) r.per_turn += d;
  }
  return r;
}

}  // namespace baton::bench

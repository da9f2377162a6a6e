#include "procs.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace baton::bench {

namespace {

cpu_set_t cpus(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  if (cpu >= 0) CPU_SET(cpu, &set);
  else
    for (int i = 0; i < n; ++i) CPU_SET(i, &set);
  return set;
}

}  // namespace

void pin_self(int cpu) {
  const cpu_set_t set = cpus(cpu);
  ::sched_setaffinity(0, sizeof set, &set);
}

void pin_process(pid_t pid, int cpu) {
  const cpu_set_t set = cpus(cpu);
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
    ::sched_setaffinity(static_cast<pid_t>(std::stol(task.path().filename().string())), sizeof set, &set);
}

Child spawn(const std::vector<std::string>& argv, int cpu) {
  Child c;
  char tmpl[] = "/tmp/baton-bench-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  c.log = tmpl;
  c.pid = ::fork();
  if (c.pid == 0) {
    if (cpu >= 0) pin_self(cpu);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fd);
  return c;
}

int stop(Child& c, std::chrono::milliseconds grace) {
  if (c.pid <= 0) return -1;
  ::kill(c.pid, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (::waitpid(c.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  c.pid = -1;
  ::unlink(c.log.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string wait_for_log(const Child& c, const std::string& marker, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(c.log);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (const auto at = text.find(marker); at != std::string::npos) {
      const auto from = at + marker.size();
      return text.substr(from, text.find('\n', from) - from);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("timed out waiting for '" + marker + "' in " + c.log);
}

ProcStats proc_stats(pid_t pid) {
  ProcStats s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), {});
  // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stoull(line.substr(6));
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoull(line.substr(6));
  }
  return s;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace baton::bench

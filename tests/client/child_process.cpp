#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

extern char** environ;

namespace baton::test {

Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, bool capture_stdout) {
  int p[2];
  int o[2] = {-1, -1};
  if (::pipe(p) != 0 || (capture_stdout && ::pipe(o) != 0)) throw std::runtime_error("pipe");
  // Built before fork: only async-signal-safe calls may follow it.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;  // ours first: getenv() takes the first of duplicates
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(capture_stdout ? o[1] : ::open("/dev/null", O_WRONLY), 1);
    ::dup2(p[1], 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(p[1]);
  if (capture_stdout) ::close(o[1]);
  return Child{pid, p[0], o[0]};
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(int fd) {
  std::string s;
  char b[512];
  for (ssize_t n; (n = ::read(fd, b, sizeof b)) > 0;) s.append(b, static_cast<std::size_t>(n));
  ::close(fd);
  return s;
}

}  // namespace baton::test

// A baton-client stopped with SIGSTOP while the server drops it as idle: when
// it wakes up it must report the server's reason (ERROR IDLE_TIMEOUT), not the
// socket's symptom ("Broken pipe"), nor take its own stop for a dead server.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>

#include "fake_server.hpp"

namespace baton::test {
namespace {

struct Child {
  pid_t pid = -1;
  int err_fd = -1;  // the child's stderr
};

Child spawn(const std::vector<std::string>& args) {
  int p[2];
  if (::pipe(p) != 0) throw std::runtime_error("pipe");
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls from here on
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(p[1], 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  return Child{pid, p[0]};
}

// Exit status within timeout (a watchdog), or -1 after killing the child.
int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
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

TEST(StoppedClient, ReportsTheServersIdleTimeoutWhenItWakesUp) {
  std::promise<void> acked, stopped, dropped;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake(200));
    p.send("GRANT 1 0\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
    p.send("ACK 1\n");
    acked.set_value();  // the client is now in pause(--interval), PINGing
    if (stopped.get_future().wait_for(10s) != std::future_status::ready) return;
    p.send("ERROR IDLE_TIMEOUT nothing heard within the idle timeout\n");
    p.reset();
    dropped.set_value();
  });
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "sleepy", "--interval", "30s"});
  ASSERT_EQ(acked.get_future().wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(100ms);
  ::kill(c.pid, SIGSTOP);
  std::this_thread::sleep_for(100ms);
  stopped.set_value();
  ASSERT_EQ(dropped.get_future().wait_for(10s), std::future_status::ready);
  // Stopped for well over 3 heartbeats: that silence was ours, not the server's.
  std::this_thread::sleep_for(1s);
  ::kill(c.pid, SIGCONT);
  const int rc = wait_exit(c.pid, 10s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, 70) << err;  // EX_SOFTWARE: the server rejected us
  EXPECT_NE(err.find("IDLE_TIMEOUT"), std::string::npos) << err;
}

}  // namespace
}  // namespace baton::test

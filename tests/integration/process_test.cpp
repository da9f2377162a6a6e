// The binaries as users run them: SIGTERM drains and exits 0, turn numbers
// survive a restart through the journal, flags and BATON_* env vars, exit codes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace baton::test {
namespace {

// baton-server as a child process, killed if a test leaves it running.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> args) {
    // Port 0 and read the port back from the log: a port chosen by the test
    // could be taken by a parallel test before the server binds it.
    if (std::find(args.begin(), args.end(), "--admin-port") == args.end()) args.insert(args.begin(), {"--admin-port", "0"});
    args.insert(args.begin(), {BATON_SERVER_BIN, "--host", "127.0.0.1", "--port", "0"});
    static int seq = 0;
    log_ = std::filesystem::temp_directory_path() /
           ("baton-server-" + std::to_string(::getpid()) + "-" + std::to_string(seq++) + ".log");
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::fopen(log_.c_str(), "w");
      ::dup2(::fileno(f), 1);
      ::dup2(::fileno(f), 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const std::string marker = "listening on 127.0.0.1:", admin_marker = "admin HTTP on 127.0.0.1:";
    for (int i = 0; i < 250 && (port_ == 0 || admin_port_ == 0); ++i) {
      std::this_thread::sleep_for(20ms);
      const std::string l = log();
      if (const auto at = l.find(marker); at != std::string::npos)
        port_ = static_cast<std::uint16_t>(std::stoi(l.substr(at + marker.size())));
      if (const auto at = l.find(admin_marker); at != std::string::npos)
        admin_port_ = static_cast<std::uint16_t>(std::stoi(l.substr(at + admin_marker.size())));
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(log_);
  }
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  // Sends sig; returns the exit code if it exits within timeout, else -1.
  int signal_and_wait(int sig, std::chrono::milliseconds timeout) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  std::string log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::filesystem::path log_;
};

TEST(Process, SigtermTellsClientsAndExitsZeroWithinTwoSeconds) {
  ServerProcess srv({"--min-members", "3"});
  ClientOptions o;
  o.port = srv.port();
  o.name = "waiting";
  o.reconnect.enabled = false;  // SHUTDOWN ends it here, rather than a reconnect
  Client c(o);
  c.connect();
  const auto t0 = std::chrono::steady_clock::now();
  std::thread killer([&] {
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(srv.signal_and_wait(SIGTERM, 2s), 0);
  });
  try {
    c.await_grant();
    ADD_FAILURE() << "granted without members";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::closed) << e.what();
  }
  killer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
}

TEST(Process, TurnNumbersContinueAfterRestartWithJournal) {
  // A directory that does not exist yet: the server creates it.
  const auto journal = std::filesystem::temp_directory_path() / ("baton-journal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(journal);
  std::uint64_t last = 0;
  std::uint64_t first = 0;
  for (int run = 0; run < 2; ++run) {
    ServerProcess srv({"--min-members", "1", "--journal", journal.string(), "--turn-numbers", "counter"});
    ClientOptions o;
    o.port = srv.port();
    o.name = "j";
    Client c(o);
    c.connect();
    for (int i = 0; i < 3; ++i) {
      const auto g = c.await_grant();
      EXPECT_GT(g.turn, last) << "turn numbers never repeat, not even after a restart";
      last = c.send("x" + std::to_string(i));
      if (first == 0) first = last;
    }
    c.close();
    EXPECT_EQ(srv.signal_and_wait(SIGTERM, 2s), 0);
  }
  EXPECT_EQ(first, 1u) << "counted numbers start at 1 on a fresh journal";
  const auto dump = run_process({BATON_JOURNAL_BIN, "dump", journal.string()});
  EXPECT_EQ(dump.exit_code, 0) << dump.out;
  EXPECT_NE(dump.out.find(" S default 1 j x0\n"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find(" j x2\n"), std::string::npos) << dump.out;
  const auto check = run_process({BATON_JOURNAL_BIN, "check", journal.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("floor "), std::string::npos) << check.out;
  std::filesystem::remove_all(journal);
}

TEST(Process, TurnNumbersRiseAcrossRestartsWithoutAJournal) {
  // The default numbering starts a new ring at the wall clock in
  // microseconds: a resource fenced at a number seen before a restart still
  // refuses nothing granted after it.
  std::uint64_t last = 0;
  for (int run = 0; run < 2; ++run) {
    ServerProcess srv({"--min-members", "1"});
    ClientOptions o;
    o.port = srv.port();
    o.name = "r";
    Client c(o);
    c.connect();
    for (int i = 0; i < 3; ++i) {
      const auto g = c.await_grant();
      EXPECT_GT(g.turn, last) << "run " << run << ": numbers must rise across the restart";
      last = c.send("x");
    }
    c.close();
    EXPECT_EQ(srv.signal_and_wait(SIGTERM, 2s), 0);
  }
}

TEST(Process, ClientTakesCountTurnsAndServerLogsTheSeedLine) {
  ServerProcess srv({});
  const std::string port = std::to_string(srv.port());
  ProcessResult a, b;
  std::thread ta([&] { a = run_process({BATON_CLIENT_BIN, "--port", port, "--name", "Client1", "--count", "5",
                                        "--interval", "0"}); });
  // Flags and BATON_* env vars are interchangeable.
  b = run_process({BATON_CLIENT_BIN}, {"BATON_PORT=" + port, "BATON_NAME=Client2", "BATON_START=2",
                                       "BATON_COUNT=5", "BATON_INTERVAL=0"});
  ta.join();
  EXPECT_EQ(a.exit_code, 0) << a.out;
  EXPECT_EQ(b.exit_code, 0) << b.out;
  EXPECT_NE(a.out.find("Client1 sent: 9\n"), std::string::npos) << a.out;
  EXPECT_NE(b.out.find("Client2 sent: 10\n"), std::string::npos) << b.out;
  EXPECT_EQ(srv.signal_and_wait(SIGTERM, 2s), 0);
  const std::string log = srv.log();
  for (int n = 1; n <= 10; ++n) {
    const std::string line = (n % 2 ? "Client1 sent: " : "Client2 sent: ") + std::to_string(n) + "\n";
    EXPECT_NE(log.find(line), std::string::npos) << line << "missing from\n" << log;
  }
}

TEST(Process, WatcherPrintsTheOrderedStreamAndJsonLogsParse) {
  ServerProcess srv({"--log-format", "json", "--turn-numbers", "counter"});
  const std::string port = std::to_string(srv.port());
  ProcessResult watch;
  std::thread tw([&] { watch = run_process({BATON_CLIENT_BIN, "--port", port, "--watch", "--name", "w", "--no-reconnect"}); });
  std::this_thread::sleep_for(200ms);  // the watcher joins before the first turn
  std::thread ta([&] {
    run_process({BATON_CLIENT_BIN, "--port", port, "--name", "Client1", "--count", "3", "--interval", "0"});
  });
  run_process({BATON_CLIENT_BIN, "--port", port, "--name", "Client2", "--start", "2", "--count", "3",
               "--interval", "0"});
  ta.join();
  EXPECT_EQ(srv.signal_and_wait(SIGTERM, 2s), 0);
  tw.join();
  EXPECT_EQ(watch.exit_code, 0) << watch.out;
  for (int t = 1; t <= 6; ++t) {
    EXPECT_NE(watch.out.find(" (turn " + std::to_string(t) + ")\n"), std::string::npos) << watch.out;
  }
  EXPECT_NE(watch.out.find("Client1 sent: 5 (turn "), std::string::npos) << watch.out;
  EXPECT_NE(watch.out.find("Client2 sent: 6 (turn "), std::string::npos) << watch.out;
  const std::string log = srv.log();
  EXPECT_NE(log.find("\"event\":\"turn\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"msg\":\"Client1 sent: 1\""), std::string::npos) << log;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
}

TEST(Process, ReadyzTurns503WhileDraining) {
  ServerProcess srv({"--drain-timeout", "2s"});
  const std::uint16_t admin = srv.admin_port();
  ASSERT_NE(admin, 0) << srv.log();
  auto probe = [&](const std::string& path) {
    RawPeer p(admin);
    p.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string r = p.bytes(2s);
    return r.substr(0, r.find("\r\n"));
  };
  EXPECT_EQ(probe("/livez"), "HTTP/1.1 200 OK");
  EXPECT_EQ(probe("/readyz"), "HTTP/1.1 200 OK");
  RawPeer lingering(srv.port());  // keeps the drain going: it never leaves by itself
  lingering.hello("stays");
  std::thread term([&] { EXPECT_EQ(srv.signal_and_wait(SIGTERM, 4s), 0); });
  EXPECT_EQ(lingering.line_starting("SHUTDOWN"), "SHUTDOWN");
  EXPECT_EQ(probe("/readyz"), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(probe("/livez"), "HTTP/1.1 200 OK");
  term.join();
}

TEST(Process, ExitCodes) {
  EXPECT_EQ(run_process({BATON_CLIENT_BIN, "--help"}).exit_code, 0);
  EXPECT_EQ(run_process({BATON_SERVER_BIN, "--help"}).exit_code, 0);
  EXPECT_EQ(run_process({BATON_CLIENT_BIN, "--no-such-flag"}).exit_code, 64);
  EXPECT_EQ(run_process({BATON_CLIENT_BIN, "--interval", "soon"}).exit_code, 64);
  EXPECT_EQ(run_process({BATON_SERVER_BIN, "--turn-timeout", "-1"}).exit_code, 64);
  const auto probe_too_late = run_process({BATON_SERVER_BIN, "--legacy-after", "5s", "--hello-timeout", "5s"});
  EXPECT_EQ(probe_too_late.exit_code, 64) << probe_too_late.out;
  EXPECT_NE(probe_too_late.out.find("--legacy-after must be shorter"), std::string::npos) << probe_too_late.out;
  EXPECT_EQ(run_process({BATON_CLIENT_BIN, "--name", "bad name"}).exit_code, 64);
  const auto nobody = run_process({BATON_CLIENT_BIN, "--port", std::to_string(free_port()), "--no-reconnect"});
  EXPECT_EQ(nobody.exit_code, 69) << nobody.out;
  // Waiting for a server that never comes ends too, after --reconnect-timeout.
  const auto never = run_process({BATON_CLIENT_BIN, "--port", std::to_string(free_port()), "--reconnect-timeout", "1s"});
  EXPECT_EQ(never.exit_code, 69) << never.out;
}

}  // namespace
}  // namespace baton::test

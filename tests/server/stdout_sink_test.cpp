// StdoutSink over real pipes and a file: lines arrive at once when idle, are
// batched while more is queued, calls never block on a pipe nobody reads,
// lines beyond the bound are dropped and reported once the pipe drains; and
// the server's text log escapes payloads end to end.
#include "server/log.hpp"
#include "server/stdout_sink.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace baton::server {
namespace {

using namespace std::chrono_literals;

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) r = fds[0], w = fds[1];
    ::fcntl(r, F_SETFL, ::fcntl(r, F_GETFL) | O_NONBLOCK);  // the test's reads; the sink's end stays blocking
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // Shrinks the pipe to one page and fills it with lines of 'f', so that a
  // blocking write would wait for a reader. Returns what was written.
  std::string stall() const {
    EXPECT_EQ(::fcntl(w, F_SETPIPE_SZ, 4096), 4096);
    const int flags = ::fcntl(w, F_GETFL);
    ::fcntl(w, F_SETFL, flags | O_NONBLOCK);
    std::string filler;
    for (int i = 0; i < 64; ++i) filler += std::string(63, 'f') + "\n";
    std::string written;
    while (::write(w, filler.data(), filler.size()) > 0) written += filler;
    ::fcntl(w, F_SETFL, flags);
    return written;
  }
  void grow() const { ASSERT_GE(::fcntl(w, F_SETPIPE_SZ, 1 << 20), 1 << 20); }

  std::string read_all() const {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(r, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

std::shared_ptr<StdoutSink> make_sink(int fd, StdoutSink::Hooks hooks = {}) {
  auto s = std::make_shared<StdoutSink>(fd, std::move(hooks));
  s->set_pattern("%v");
  return s;
}

void log_line(StdoutSink& s, std::string_view text) {
  s.log(spdlog::details::log_msg("test", spdlog::level::info, text));
}

// Runs f on another thread. If it has not returned after a generous bound it
// is blocked (a failure); reading the pipe then frees it so the test can end.
template <class F>
void expect_returns(const Pipe& p, F f) {
  auto done = std::async(std::launch::async, f);
  if (done.wait_for(30s) == std::future_status::ready) return done.get();
  ADD_FAILURE() << "a sink call blocked on a pipe nobody reads";
  while (done.wait_for(10ms) != std::future_status::ready) p.read_all();
}

std::string line_of(int i) {  // 100 bytes with its newline
  std::string s = "line " + std::to_string(i) + " ";
  return s + std::string(99 - s.size(), 'x');
}

TEST(StdoutSink, IdleLineReachesTheFdAtOnce) {
  Pipe p;
  auto sink = make_sink(p.w, {.more_queued = [] { return false; }});
  log_line(*sink, "alice sent: 1");
  EXPECT_EQ(p.read_all(), "alice sent: 1\n");  // no flush needed
  log_line(*sink, "bob sent: 2");
  EXPECT_EQ(p.read_all(), "bob sent: 2\n");
}

TEST(StdoutSink, BatchesWhileMoreIsQueued) {
  Pipe p;
  p.grow();
  bool queued = true;
  auto sink = make_sink(p.w, {.more_queued = [&] { return queued; }});
  std::string expected;
  int i = 0;
  for (; expected.size() + 100 < StdoutSink::kHighWaterBytes; ++i) {
    log_line(*sink, line_of(i));
    expected += line_of(i) + "\n";
  }
  EXPECT_EQ(p.read_all(), "");
  EXPECT_EQ(sink->pending_bytes(), expected.size());
  log_line(*sink, line_of(i));  // passes the high-water mark: written though more is queued
  expected += line_of(i++) + "\n";
  EXPECT_EQ(sink->pending_bytes(), 0u);
  log_line(*sink, line_of(i));
  EXPECT_EQ(sink->pending_bytes(), 100u);
  queued = false;
  log_line(*sink, line_of(i + 1));  // the queue ran empty: written at once
  expected += line_of(i) + "\n" + line_of(i + 1) + "\n";
  EXPECT_EQ(p.read_all(), expected);
}

TEST(StdoutSink, StalledPipeNeverBlocksDropsAndReportsOnceDrained) {
  Pipe p;
  const std::string filler = p.stall();
  auto sink = make_sink(p.w);
  const int fit = static_cast<int>(StdoutSink::kMaxPendingBytes / 100);
  const int total = fit + 1234;
  expect_returns(p, [&] {
    for (int i = 0; i < total; ++i) log_line(*sink, line_of(i));
    sink->flush();
  });
  EXPECT_EQ(sink->pending_bytes(), static_cast<std::size_t>(fit) * 100);
  EXPECT_EQ(sink->dropped_lines(), 1234u);

  EXPECT_EQ(p.read_all(), filler);  // the reader catches up...
  p.grow();
  sink->flush();  // ...and the next flush writes everything, then the report
  std::string expected;
  for (int i = 0; i < fit; ++i) expected += line_of(i) + "\n";
  expected += "warning: 1234 log lines dropped: stdout was blocked\n";
  EXPECT_EQ(p.read_all(), expected);
  EXPECT_EQ(sink->dropped_lines(), 0u);
  log_line(*sink, "after");
  EXPECT_EQ(p.read_all(), "after\n");  // reported once
}

TEST(StdoutSink, LinesLostUpstreamJoinTheReportInItsFormat) {
  Pipe p;
  std::uint64_t lost = 0;
  auto sink = make_sink(p.w, {.dropped_line = [](std::uint64_t n) { return "{\"dropped\":" + std::to_string(n) + "}\n"; },
                              .lost_upstream = [&] { return lost; }});
  lost = 7;
  log_line(*sink, "a");
  EXPECT_EQ(p.read_all(), "a\n");  // read on flush, not per line
  sink->flush();
  EXPECT_EQ(p.read_all(), "{\"dropped\":7}\n");
  sink->flush();
  lost = 0;  // the queue is gone at shutdown
  sink->flush();
  lost = 9;
  sink->flush();
  EXPECT_EQ(p.read_all(), "{\"dropped\":2}\n");
}

TEST(StdoutSink, DrainForGivesUpOnAStalledPipeAndFinishesOnADrainingOne) {
  Pipe p;
  const std::string filler = p.stall();
  auto sink = make_sink(p.w);
  log_line(*sink, "last words");
  EXPECT_EQ(sink->pending_bytes(), 11u);
  expect_returns(p, [&] { EXPECT_FALSE(sink->drain_for(50ms)); });
  EXPECT_EQ(sink->pending_bytes(), 11u);
  EXPECT_EQ(p.read_all(), filler);
  EXPECT_TRUE(sink->drain_for(5s));
  EXPECT_EQ(p.read_all(), "last words\n");
}

TEST(StdoutSink, PipeWithoutReaderDropsInsteadOfRaisingSigpipe) {
  Pipe p;
  ::close(p.r);
  p.r = -1;
  auto sink = make_sink(p.w);
  const int fit = static_cast<int>(StdoutSink::kMaxPendingBytes / 100);
  for (int i = 0; i < fit + 5; ++i) log_line(*sink, line_of(i));  // SIGPIPE would end the test binary
  sink->flush();
  EXPECT_EQ(sink->dropped_lines(), 5u);
  EXPECT_FALSE(sink->drain_for(10ms));
}

TEST(StdoutSink, RegularFileIsWrittenInFull) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const int fd = ::fileno(f);
  auto sink = make_sink(fd, {.more_queued = [] { return true; }});
  for (int i = 0; i < 1000; ++i) log_line(*sink, line_of(i));  // passes the high-water mark once
  sink->flush();
  EXPECT_EQ(sink->pending_bytes(), 0u);
  std::string got(100 * 1000, '\0');
  EXPECT_EQ(::pread(fd, got.data(), got.size(), 0), 100 * 1000);
  EXPECT_EQ(got.substr(0, 100), line_of(0) + "\n");
  EXPECT_EQ(got.substr(999 * 100), line_of(999) + "\n");
  std::fclose(f);
}

// Runs the server's logging with stdout on a pipe, then restores stdout and
// returns what reached the pipe (gtest prints nothing in between).
template <class F>
std::string with_stdout_on(const Pipe& p, F f) {
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ::dup2(p.w, STDOUT_FILENO);
  f();
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  return p.read_all();
}

TEST(ServerLog, TextLogEscapesPayloads) {
  Pipe p;
  const std::string got = with_stdout_on(p, [] {
    init_logging(false);
    log_turn("r", 1, "alice", "pay \xE2\x80\xAE" "0001$ \x9B[2J \xC3\xA9\\");
    log_turn("r", 2, "bob", "plain");
    shutdown_logging();
  });
  EXPECT_EQ(got, "alice sent: pay \\u{202E}0001$ \\x9B[2J \xC3\xA9\\\nbob sent: plain\n");
}

TEST(ServerLog, JsonReportCountsEveryLineThatDidNotArrive) {
  Pipe p;
  const std::string filler = p.stall();
  const int turns = 5000;  // ~120 B each in JSON: more than the sink holds
  const std::string got = with_stdout_on(p, [&] {
    init_logging(true);
    for (int i = 1; i <= turns; ++i) log_turn("r", static_cast<std::uint64_t>(i), "alice", std::to_string(i));
    p.grow();  // the reader is back before shutdown
    shutdown_logging();
  });
  ASSERT_EQ(got.substr(0, filler.size()), filler);
  // The report follows the lines written before it, and lines logged after
  // the pipe grew may follow it: count what arrived and what was reported.
  const std::string head = "{\"level\":\"warn\",\"msg\":\"", tail = " log lines dropped: stdout was blocked\"}";
  int arrived = 0, reported = 0, reports = 0;
  std::size_t at = filler.size();
  for (std::size_t nl; (nl = got.find('\n', at)) != std::string::npos; at = nl + 1) {
    const std::string line = got.substr(at, nl - at);
    if (line.find("\"event\":\"turn\"") != std::string::npos) {
      ++arrived;
    } else {
      ASSERT_EQ(line.substr(0, head.size()), head) << line;
      ASSERT_EQ(line.substr(line.size() - tail.size()), tail) << line;
      reported += std::stoi(line.substr(head.size()));
      ++reports;
    }
  }
  EXPECT_EQ(at, got.size());
  EXPECT_GE(reports, 1);
  EXPECT_LT(arrived, turns);
  EXPECT_EQ(arrived + reported, turns);
}

}  // namespace
}  // namespace baton::server

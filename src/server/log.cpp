#include "server/log.hpp"

#include "core/log_escape.hpp"
#include "server/asio.hpp"
#include "server/stdout_sink.hpp"

#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <unistd.h>

namespace baton::server {
namespace {

bool g_json = false;
std::shared_ptr<StdoutSink> g_sink;  // kept past spdlog::shutdown() for the final drain
// The logger's thread pool, for the sink's hooks. Not a weak_ptr: a hook that
// locked one on the pool's own worker could hold the last reference when
// spdlog::shutdown() drops the registry's, and the pool's destructor would
// then run on that worker, fail to join itself and std::terminate (seen once
// under ASan). The pool is destroyed, and its worker joined, inside
// spdlog::shutdown(); the pointer is cleared right after, before the final drain.
std::atomic<spdlog::details::thread_pool*> g_pool{nullptr};

std::string as_json(std::string_view level, nlohmann::json fields) {
  fields["level"] = level;
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// This thread's turn lines waiting for the logger (see log_turn).
struct TurnLines {
  std::string text;  // whole lines, each ending in '\n'
  std::chrono::steady_clock::time_point due = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point last_written{};
};
thread_local TurnLines t_turns;

void add_turn_line(std::string_view line) {
  auto& t = t_turns;
  if (t.text.empty()) {
    const auto now = std::chrono::steady_clock::now();
    t.due = now - t.last_written >= kTurnLinesDelay ? std::chrono::steady_clock::time_point::min()
                                                     : t.last_written + kTurnLinesDelay;
  }
  t.text.append(line);
  if (t.text.size() >= kTurnLinesBatchBytes) t.due = std::chrono::steady_clock::time_point::min();
}

void write_turns_first() {
  if (!t_turns.text.empty()) write_turn_lines();
}

}  // namespace

std::chrono::steady_clock::time_point turn_lines_due() noexcept { return t_turns.due; }

void write_turn_lines() {
  auto& t = t_turns;
  if (t.text.empty()) return;
  // One message: the sink adds the last newline, as for any line.
  spdlog::info("{}", std::string_view(t.text).substr(0, t.text.size() - 1));
  t.text.clear();  // keeps its capacity
  t.due = std::chrono::steady_clock::time_point::max();
  t.last_written = std::chrono::steady_clock::now();
}

void init_logging(bool json) {
  g_json = json;
  spdlog::init_thread_pool(8192, 1);  // slots are preallocated: 8192 x ~300 B; one worker (StdoutSink's contract)
  g_pool.store(spdlog::thread_pool().get(), std::memory_order_release);
  StdoutSink::Hooks hooks;
  hooks.dropped_line = [json](std::uint64_t n) {
    const std::string msg = fmt::format("{} log lines dropped: stdout was blocked", n);
    return (json ? as_json("warn", {{"msg", msg}}) : "warning: " + msg) + "\n";
  };
  hooks.more_queued = [] {
    auto* p = g_pool.load(std::memory_order_acquire);
    return p && p->queue_size() > 0;
  };
  hooks.lost_upstream = []() -> std::uint64_t {
    auto* p = g_pool.load(std::memory_order_acquire);
    return p ? p->overrun_counter() : 0;
  };
  g_sink = std::make_shared<StdoutSink>(STDOUT_FILENO, std::move(hooks));
  // Overrun rather than block: an executor must never wait for stdout. Lines
  // lost this way are counted into the sink's dropped-lines report.
  auto logger = std::make_shared<spdlog::async_logger>("baton", g_sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern("%v");
  spdlog::set_default_logger(logger);
  // Not for latency (the sink writes whenever the queue runs empty) but as a
  // safety net: after stdout was blocked and drains while the server is idle,
  // nothing else would wake the worker to write what is pending and report
  // the dropped lines.
  spdlog::flush_every(std::chrono::seconds(1));
}

std::uint64_t log_lines_dropped() noexcept {
  // The sink outlives every executor (shutdown_logging runs after they stopped).
  return g_sink ? g_sink->dropped_total() : 0;
}

void flush_logs() { spdlog::default_logger()->flush(); }

void shutdown_logging() {
  write_turns_first();  // the calling thread's batch (each executor wrote its own as it stopped)
  spdlog::default_logger()->flush();  // the worker counts queue overruns while the pool still exists
  spdlog::shutdown();                 // the worker writes what is queued (never blocking), then is joined
  g_pool.store(nullptr, std::memory_order_release);
  if (g_sink) {
    // Now only this thread uses the sink. Wait a little for a slow reader,
    // but a stalled one must not keep us from exiting.
    g_sink->drain_for(std::chrono::seconds(1));
    g_sink.reset();
  }
}

void log_turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) {
  if (g_json) {
    add_turn_line(as_json("info", {{"ts_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch()).count()},
                                   {"event", "turn"}, {"ring", ring}, {"turn", turn},
                                   {"name", name}, {"payload", payload},
                                   {"msg", std::string(name) + " sent: " + std::string(payload)}}) + "\n");
    return;
  }
  // Names are restricted to [A-Za-z0-9._-]; payloads are any UTF-8 (or not).
  auto& t = t_turns;
  const bool first = t.text.empty();
  if (first) add_turn_line({});  // stamps when the batch is due
  auto out = std::back_inserter(t.text);
  if (needs_escape(payload)) fmt::format_to(out, "{} sent: {}\n", name, escape_for_log(payload));
  else fmt::format_to(out, "{} sent: {}\n", name, payload);
  if (t.text.size() >= kTurnLinesBatchBytes) t.due = std::chrono::steady_clock::time_point::min();
}

void log_close(const CloseLine& c) {
  write_turns_first();
  if (g_json) {
    spdlog::info(as_json("info", {{"event", "close"}, {"reason", c.reason}, {"name", c.name}, {"ring", c.ring},
                                  {"peer", c.peer}, {"role", c.role}, {"wire", c.wire}}));
    return;
  }
  if (c.name.empty()) spdlog::info("closed: {}{}{}: {}", c.peer, c.wire.empty() ? "" : " ", c.wire, c.reason);
  else spdlog::info("closed: {} ({}) ring {} {} {}: {}", c.name, c.peer, c.ring, c.role, c.wire, c.reason);
}

void log_info(std::string_view text) {
  write_turns_first();
  if (g_json) spdlog::info(as_json("info", {{"msg", text}}));
  else spdlog::info("{}", text);
}

void log_warn(std::string_view text) {
  write_turns_first();
  if (g_json) spdlog::warn(as_json("warn", {{"msg", text}}));
  else spdlog::warn("warning: {}", text);
}

void log_coroutine_exception(std::exception_ptr e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log_warn(std::string("internal error in a connection: ") + x.what());
  } catch (...) {
    log_warn("internal error in a connection");
  }
}

}  // namespace baton::server

// The server's logging, on stdout (so `kubectl logs` shows it, as for the seed).
// One asynchronous spdlog logger: callers on any thread only enqueue, and never
// wait: when the queue is full the oldest line is dropped. A background thread
// writes through StdoutSink (server/stdout_sink.hpp), which never blocks
// either: it writes as soon as nothing else is queued (batching under load)
// and, while stdout is not being read, drops lines and later logs how many.
// So a turn costs no write syscall on the executor threads, no I/O happens
// under a lock of ours, and a stalled log reader cannot stall turns.
// The text format escapes payloads (core/log_escape.hpp); JSON escapes itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <spdlog/spdlog.h>

namespace baton::server {

// Call once before any logging; json: one JSON object per line.
void init_logging(bool json);
// Asks the background writer to flush now (e.g. after the "listening" line).
void flush_logs();
// Flushes and stops the background writer; call before exit.
void shutdown_logging();

// The seed's line: "NAME sent: PAYLOAD" (JSON: {"event":"turn",...}).
// Turn lines collect per thread and reach the logger as one message per
// batch, so that a turn costs neither an enqueue nor a wake-up of the
// logger's thread: a batch goes at once after a quiet spell (at least
// kTurnLinesDelay since the last), otherwise kTurnLinesDelay after the last
// one, or as soon as it holds kTurnLinesBatchBytes. Any other line logged on
// the thread sends the batch first, so the thread's lines keep their order.
// The executor calls write_turn_lines() when turn_lines_due() has come.
inline constexpr auto kTurnLinesDelay = std::chrono::milliseconds(1);
inline constexpr std::size_t kTurnLinesBatchBytes = 16 * 1024;
void log_turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload);
// When this thread's batch must go: max() if none waits, min() if at once.
std::chrono::steady_clock::time_point turn_lines_due() noexcept;
// Hands this thread's batch (if any) to the logger.
void write_turn_lines();

// One line per connection that ends, with why (reason: a kClosedNames word).
// Text: "closed: NAME (PEER) ring RING member v1: REASON";
// JSON: {"event":"close","reason":...,"name":...,"ring":...,"peer":...,"role":...,"wire":...}.
struct CloseLine {
  std::string_view reason;
  std::string_view name;  // "" before a HELLO named it
  std::string_view ring;
  std::string_view peer;
  std::string_view role;  // member, watcher, or "" in the handshake
  std::string_view wire;  // v1, legacy, tls, or "" when unknown
};
void log_close(const CloseLine& c);

// Log lines dropped so far because stdout was blocked (any thread).
std::uint64_t log_lines_dropped() noexcept;

// Free text at a level; text is escaped as needed for the JSON format.
void log_info(std::string_view text);
void log_warn(std::string_view text);

}  // namespace baton::server

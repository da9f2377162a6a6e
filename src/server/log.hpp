// The server's logging, on stdout (so `kubectl logs` shows it, as for the seed).
// One asynchronous spdlog logger: callers on any thread only enqueue; a
// background thread does the writes, batched and flushed every second, so a
// turn costs no write syscall on the executor threads and no I/O happens
// under a lock of ours.
#pragma once

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
void log_turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload);

// Free text at a level; text is escaped as needed for the JSON format.
void log_info(std::string_view text);
void log_warn(std::string_view text);

}  // namespace baton::server

#include "server/log.hpp"

#include "server/asio.hpp"

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/ostream_sink.h>

namespace baton::server {
namespace {

bool g_json = false;

std::string as_json(std::string_view level, nlohmann::json fields) {
  fields["level"] = level;
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void init_logging(bool json) {
  g_json = json;
  std::ios::sync_with_stdio(false);  // let std::cout buffer; the flusher below bounds the delay
  spdlog::init_thread_pool(8192, 1);  // slots are preallocated: 8192 x ~300 B
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cout, /*force_flush=*/false);
  // Block rather than drop: every accepted turn must reach the log.
  auto logger = std::make_shared<spdlog::async_logger>("baton", sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_pattern(json ? "%v" : "%v");
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void flush_logs() { spdlog::default_logger()->flush(); }

void shutdown_logging() {
  spdlog::default_logger()->flush();
  spdlog::shutdown();
  std::cout.flush();
}

void log_turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) {
  if (g_json) {
    spdlog::info(as_json("info", {{"ts_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch()).count()},
                                  {"event", "turn"}, {"ring", ring}, {"turn", turn},
                                  {"name", name}, {"payload", payload},
                                  {"msg", std::string(name) + " sent: " + std::string(payload)}}));
    return;
  }
  spdlog::info("{} sent: {}", name, payload);
}

void log_info(std::string_view text) {
  if (g_json) spdlog::info(as_json("info", {{"msg", text}}));
  else spdlog::info("{}", text);
}

void log_warn(std::string_view text) {
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

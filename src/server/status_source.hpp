// What the admin port reports about the server (docs/ADMIN.md): sums every
// writer's counters into Totals, renders /metrics and /status, keeps the
// turn rate, and asks the shards for ring state on their own threads.
// Thread: shard 0's (the admin port's), except totals(), which any thread may call.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hub.hpp"
#include "core/hub_stats.hpp"
#include "core/ring_view.hpp"
#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/stats.hpp"
#include "server/totals.hpp"

namespace baton::server {

class Listener;
class Shard;

class StatusSource {
 public:
  StatusSource(const ServerConfig& config, std::vector<std::unique_ptr<Shard>>& shards, const Listener& listener,
               std::function<bool()> ready, const std::vector<std::unique_ptr<RingGauges>>& exported,
               const AdminStats& admin, bool auth_on);

  Totals totals() const;
  std::string metrics() const;    // Prometheus text format
  nlohmann::json status() const;  // /status
  bool ready() const { return ready_(); }
  // Once a second: a sample of the grant count for turns_per_second.
  void sample();

  std::size_t shard_count() const noexcept { return shards_.size(); }
  Shard& shard(std::size_t i) { return *shards_[i]; }
  std::size_t shard_index(std::string_view ring) const;  // the shard that owns a ring name (as the listener picks)
  // Up to limit rings after `after` in name order, across shards; *more:
  // rings exist past the last one returned.
  asio::awaitable<std::vector<RingSummary>> rings(std::string after, std::size_t limit, bool* more);
  asio::awaitable<std::optional<RingDetail>> ring(std::string name);
  // An administrator's action, carried out on the ring's shard thread.
  asio::awaitable<AdminOutcome> act(std::string ring, AdminAction action);

 private:
  const ServerConfig& config_;
  std::vector<std::unique_ptr<Shard>>& shards_;
  const Listener& listener_;
  std::function<bool()> ready_;
  const std::vector<std::unique_ptr<RingGauges>>& exported_;
  const AdminStats& admin_;
  bool auth_on_;
  std::chrono::system_clock::time_point started_wall_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> samples_;  // (when, grants)
};

}  // namespace baton::server

#include "server/status_source.hpp"

#include <algorithm>

#include "server/listener.hpp"
#include "server/on_shard.hpp"
#include "server/shard.hpp"
#include "server/build_info.hpp"
#include "server/log.hpp"

namespace baton::server {
namespace {

constexpr auto kRateWindow = std::chrono::seconds(10);  // turns_per_second: grants over this long

template <std::size_t N>
void add_array(std::array<std::uint64_t, N>& to, const std::array<Counter, N>& from) {
  for (std::size_t i = 0; i < N; ++i) to[i] += from[i].get();
}

}  // namespace

StatusSource::StatusSource(const ServerConfig& config, std::vector<std::unique_ptr<Shard>>& shards,
                           const Listener& listener, std::function<bool()> ready,
                           const std::vector<std::unique_ptr<RingGauges>>& exported, const AdminStats& admin,
                           bool auth_on)
    : config_(config), shards_(shards), listener_(listener), ready_(std::move(ready)), exported_(exported),
      admin_(admin), auth_on_(auth_on) {}

Totals StatusSource::totals() const {
  Totals t;
  const ListenerStats& l = listener_.stats();
  add_to(t.closed, l.closed);
  add_array(t.errors, l.errors);
  t.accepted = l.accepted.get();
  t.handshakes = l.handshakes.get();
  t.handoff.shape(kHandoffBoundsNs);
  t.hold.shape(kHoldBoundsNs);
  t.journal_sync.shape(kSyncBoundsNs);
  for (const auto& s : shards_) {
    const ShardStats& ss = s->stats();
    add_to(t.closed, ss.closed);
    add_array(t.errors, ss.errors);
    for (std::size_t i = 0; i < kConnKinds; ++i) t.connections[i] += ss.connections[i].get();
    t.received_bytes += ss.received_bytes.get();
    t.sent_bytes += ss.sent_bytes.get();
    t.handoff.add(ss.handoff);
    const HubStats& h = s->hub_stats();
    t.grants += h.grants.get();
    t.sends += h.sends.get();
    t.revoked += h.revoked.get();
    t.holder_left += h.holder_left.get();
    t.passed += h.passed.get();
    t.resumed += h.resumed.get();
    t.seats_expired += h.expired.get();
    t.seats_detached += h.detached.get();
    t.admin_actions += h.admin.get();
    t.rings += h.rings.get();
    t.rings_waiting += h.waiting.get();
    t.hold.add(h.hold);
    if (const JournalPort* j = s->journal(); j && j->stats()) {
      t.journal_sync.add(j->stats()->sync);
      t.journal_errors += j->stats()->errors.get();
    }
  }
  t.journal_syncs = t.journal_sync.count;
  t.log_lines_dropped = log_lines_dropped();
  t.admin_streams = admin_.streams.get();
  t.admin_streams_dropped = admin_.streams_dropped.get();
  return t;
}

void StatusSource::sample() {
  const auto now = std::chrono::steady_clock::now();
  std::uint64_t grants = 0;
  for (const auto& s : shards_) grants += s->hub_stats().grants.get();
  samples_.emplace_back(now, grants);
  while (samples_.size() > 2 && now - samples_.front().first > kRateWindow) samples_.pop_front();
}

nlohmann::json StatusSource::status() const {
  using nlohmann::json;
  const Totals t = totals();
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  double rate = 0;
  if (samples_.size() >= 2) {
    const auto& [t0, g0] = samples_.front();
    const auto& [t1, g1] = samples_.back();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    if (secs > 0) rate = static_cast<double>(g1 - g0) / secs;
  }
  std::int64_t members = 0, watchers = 0;
  std::array<std::int64_t, 3> by_wire{};
  for (std::size_t i = 0; i < kConnKinds; ++i) {
    (i % 2 ? watchers : members) += t.connections[i];
    by_wire[i / 2] += t.connections[i];
  }
  json closed = json::object();
  for (std::size_t i = 0; i < t.closed.size(); ++i) closed[std::string(kClosedNames[i])] = t.closed[i];
  const bool journal = !config_.journal.empty();
  return json{
      {"version", kVersion},
      {"io_backend", kIoBackend},
      {"started_at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(started_wall_.time_since_epoch()).count()},
      {"uptime_seconds", uptime},
      {"threads", shards_.size()},
      {"state", ready_() ? "ready" : "draining"},
      {"ready", ready_()},
      {"auth", auth_on_},
      {"tls", config_.tls_port.has_value()},
      {"journal",
       {{"enabled", journal}, {"dir", journal ? json(config_.journal) : json(nullptr)},
        {"syncs", t.journal_syncs}, {"errors", t.journal_errors}}},
      {"connections",
       {{"open", t.connections_open()}, {"limit", config_.max_clients}, {"members", members},
        {"watchers", watchers}, {"v1", by_wire[0]}, {"legacy", by_wire[1]}, {"tls", by_wire[2]},
        {"handshakes", t.handshakes}}},
      {"rings", {{"open", t.rings}, {"waiting", t.rings_waiting}, {"limit", config_.max_rings}}},
      {"totals",
       {{"grants", t.grants}, {"sends", t.sends}, {"revoked", t.revoked}, {"holder_left", t.holder_left},
        {"passed", t.passed}, {"resumed", t.resumed}, {"seats_expired", t.seats_expired},
        {"seats_detached", t.seats_detached}, {"admin_actions", t.admin_actions},
        {"received_bytes", t.received_bytes}, {"sent_bytes", t.sent_bytes},
        {"log_lines_dropped", t.log_lines_dropped}, {"connections_accepted", t.accepted},
        {"connections_closed", closed}}},
      {"turns_per_second", rate},
  };
}

std::size_t StatusSource::shard_index(std::string_view ring) const {
  return baton::server::shard_index(ring, shards_.size());
}

asio::awaitable<std::vector<RingSummary>> StatusSource::rings(std::string after, std::size_t limit, bool* more) {
  // Each shard returns its first limit + 1 after `after`; the merged first
  // limit are the answer, and anything past them means another page.
  std::vector<RingSummary> all;
  for (auto& s : shards_) {
    Hub& hub = s->hub();
    // Named, not a temporary in the co_await: g++ 12 mishandles a lambda
    // temporary with captures there (its string was freed from the frame).
    auto list = [&hub, after, limit] { return hub.list_rings(after, limit + 1); };
    auto part = co_await on_thread<std::vector<RingSummary>>(s->context(), std::move(list));
    std::move(part.begin(), part.end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), [](const RingSummary& a, const RingSummary& b) { return a.name < b.name; });
  *more = all.size() > limit;
  if (all.size() > limit) all.resize(limit);
  co_return all;
}

asio::awaitable<AdminOutcome> StatusSource::act(std::string ring, AdminAction action) {
  Shard& s = *shards_[shard_index(ring)];
  // The action may end connections and deliver to others: written at once.
  auto act = [&s, ring, action] {  // named: see rings()
    AdminOutcome out = s.hub().act(ring, action);
    s.flush_dirty();
    return out;
  };
  co_return co_await on_thread<AdminOutcome>(s.context(), std::move(act));
}

asio::awaitable<std::optional<RingDetail>> StatusSource::ring(std::string name) {
  Shard& s = *shards_[shard_index(name)];
  Hub& hub = s.hub();
  auto detail = [&hub, name] { return hub.ring_detail(name); };  // named: see rings()
  co_return co_await on_thread<std::optional<RingDetail>>(s.context(), std::move(detail));
}

}  // namespace baton::server

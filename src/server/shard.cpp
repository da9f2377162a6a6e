#include "server/shard.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "server/farewell.hpp"
#include "server/log.hpp"

namespace baton::server {
namespace {

constexpr auto kSweepEveryMax = std::chrono::milliseconds(250);  // heartbeats, idle and linger checks, at most this far apart
constexpr auto kSweepEveryMin = std::chrono::milliseconds(5);
constexpr auto kDrainCheck = std::chrono::milliseconds(20);
// The live feed coalesces each ring's changes this long (docs/ADMIN.md), and
// takes at most this many rings per period: a status page's cost is bounded
// whatever the turn rate and the ring count.
constexpr auto kFeedPeriod = std::chrono::milliseconds(100);
constexpr std::size_t kFeedMaxRings = 512;

// Heartbeats and idle timeouts are checked by a sweep over the sessions, so
// the sweep must run a fraction of the shortest of them apart. Turn deadlines
// are not swept: the hub keeps them in order and the timer wakes for them.
std::chrono::milliseconds sweep_period(const ServerConfig& c) {
  auto p = std::chrono::milliseconds(kSweepEveryMax);
  for (auto d : {c.heartbeat / 4, c.idle_timeout / 4})
    if (d.count() > 0) p = std::min(p, d);
  return std::max(p, std::chrono::milliseconds(kSweepEveryMin));
}

// A ring's backlog for watchers that resume holds at most this many bytes.
constexpr std::size_t kWatchBacklogBytes = 64 * 1024;

HubConfig hub_config(const ServerConfig& c, std::atomic<std::size_t>& rings_in_use,
                     std::function<RingGauges*(const std::string&)> exported,
                     std::function<void(const std::string&)> bad_secret) {
  HubConfig h;
  h.resume_grace = c.resume_grace;
  h.watch_backlog = c.watch_backlog;
  h.watch_backlog_bytes = kWatchBacklogBytes;
  h.on_bad_secret = std::move(bad_secret);
  h.history = c.ring_history;
  h.exported = std::move(exported);
  h.max_members_per_ring = c.max_members_per_ring;
  h.max_watchers_per_ring = c.max_watchers_per_ring;
  h.max_rings = c.max_rings;
  h.rings_in_use = &rings_in_use;
  h.min_members = c.min_members;
  h.turn_timeout = c.turn_timeout;
  h.legacy_silence = c.idle_timeout;
  h.heartbeat = c.heartbeat;
  h.log_turns = c.log_turns;
  h.turns_from_clock = c.turns_from_clock;
  return h;
}

}  // namespace

Shard::Shard(const ServerConfig& config, std::unique_ptr<JournalPort> journal, std::uint64_t floor, unsigned shards,
             std::atomic<std::size_t>& rings_in_use, std::function<RingGauges*(const std::string&)> exported,
             std::function<void(const std::string&)> bad_secret)
    : config_(config), journal_(std::move(journal)),
      hub_(hub_config(config, rings_in_use, std::move(exported), std::move(bad_secret)), *this, journal_.get(), floor),
      queued_budget_bytes_(static_cast<std::ptrdiff_t>(config.max_queued_total / std::max(1u, shards))) {}

void Shard::info(std::string_view line) { log_info(line); }
void Shard::warn(std::string_view line) { log_warn(line); }
void Shard::turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) {
  log_turn(ring, turn, name, payload);
}

void Shard::run() {
  asio::co_spawn(ctx_, tick_loop(), detached_logged);
  ctx_.run();
  write_turn_lines();  // this thread's last batch
}

void Shard::adopt(Handoff h) {
  asio::post(ctx_, [this, h = std::move(h)]() mutable {
    tcp::socket sock(ctx_);
    boost::system::error_code ec;
    sock.assign(h.v6 ? tcp::v6() : tcp::v4(), h.fd, ec);
    if (ec) {
      ::close(h.fd);
      return;
    }
    Link link = h.ssl ? Link(std::move(sock), std::move(h.ssl)) : Link(std::move(sock));
    auto s = std::make_shared<Session>(*this, std::move(link), std::move(h.slot), h.id, std::move(h.who),
                                       std::move(h.leftover), std::move(h.legacy_first), std::move(h.credential));
    sessions_.emplace(h.id, s);
    stats_.connections[s->kind()].add(1);
    if (draining_) s->shutdown_notice();
    else hub_.enter(*s);
    s->start();
    flush_dirty();
  });
}

void Shard::set_auth(std::shared_ptr<const auth::AuthTable> table) {
  asio::post(ctx_, [this, table = std::move(table)] {
    std::vector<std::shared_ptr<Session>> withdrawn;
    for (auto& [id, s] : sessions_) {
      const auto& cred = s->credential();
      if (!cred || s->ended()) continue;
      if (!table->allows(*cred, s->who().ring, s->who().watcher)) withdrawn.push_back(s);
    }
    for (auto& s : withdrawn)
      s->fail(v1::code::forbidden,
              fmt::format("your grant for ring {} was withdrawn (auth file reloaded)", s->who().ring), Closed::auth);
    flush_dirty();
  });
}

void Shard::forget(Session& s) {
  count(stats_.closed, s.closed_reason());
  stats_.connections[s.kind()].add(-1);
  const Identity& who = s.who();
  log_close({kClosedNames[static_cast<std::size_t>(s.closed_reason())], who.name, who.ring, who.peer,
             who.watcher ? "watcher" : "member", kConnWireNames[s.kind() / kConnRoleNames.size()]});
  sessions_.erase(s.id());
}

void Shard::flush_dirty() {
  // A batch due at once goes before the ACKs of its turns are written, as
  // each line did before batching.
  if (turn_lines_due() == Clock::time_point::min()) write_turn_lines();
  // flush() may drop a session, which may deliver to others: loop until quiet.
  while (!dirty_.empty()) {
    std::swap(dirty_, flushing_);
    for (auto& s : flushing_) s->flush();
    flushing_.clear();
    if (queued_bytes_ > queued_budget_bytes_) enforce_queued_total();
  }
  // Redis's AE_BARRIER idea: sends staged in this pass are made durable by
  // one sync after every ready socket of the pass was read (a posted handler
  // runs after the completions already queued), and only then acked.
  if (hub_.commit_due() && !commit_posted_) {
    commit_posted_ = true;
    asio::post(ctx_, [this] { commit(); });
  }
  // A deadline earlier than the one the timer waits for (the first one
  // armed): wake the tick loop so that it waits for the right one.
  if (std::min({hub_.next_deadline(), lazy_due(), turn_lines_due()}) < wake_at_) timer_.cancel();
}

void Shard::mark_lazy(Session& s) {
  lazy_.emplace_back(Clock::now() + kLazyFlushMax, s.shared_from_this());
  // The first one waiting: the tick loop must wake for it (see flush_dirty).
}

void Shard::flush_lazy(Clock::time_point now) {
  // A session written since (its GRANT went out) has nothing left: cheap.
  while (!lazy_.empty() && lazy_.front().first <= now) {
    mark_dirty(*lazy_.front().second);
    lazy_.pop_front();
  }
}

void Shard::enforce_queued_total() {
  // Rare (only over the bound), so a scan is fine: the readers furthest
  // behind go first, which frees the most memory per client dropped.
  while (queued_bytes_ > queued_budget_bytes_) {
    Session* slowest = nullptr;
    for (auto& [id, s] : sessions_)
      if (s->queued_bytes() > 0 && (!slowest || s->queued_bytes() > slowest->queued_bytes())) slowest = s.get();
    if (!slowest) return;
    slowest->drop_slow(fmt::format("the server's unsent output is over --max-queued-total ({} bytes) and this "
                                   "client had the most of it ({} bytes)",
                                   config_.max_queued_total, slowest->queued_bytes()));
  }
}

void Shard::commit() {
  commit_posted_ = false;
  hub_.commit();
  flush_dirty();
}

void Shard::drain() {
  asio::post(ctx_, [this] {
    if (draining_) return;
    draining_ = true;
    drain_deadline_ = Clock::now() + config_.drain_timeout;
    for (auto& [id, s] : sessions_) s->shutdown_notice();
    flush_dirty();
    timer_.cancel();
  });
}

asio::awaitable<void> Shard::tick_loop() {
  const auto period = sweep_period(config_);
  auto next_sweep = Clock::now() + period;
  for (;;) {
    // Sleep until the next deadline or sweep, whichever is first: an idle
    // server (however many rings it has) wakes only to sweep its sessions.
    wake_at_ = draining_ ? Clock::now() + kDrainCheck : std::min({next_sweep, hub_.next_deadline(), lazy_due(), turn_lines_due()});
    timer_.expires_at(wake_at_);
    co_await timer_.async_wait(use_tuple);
    wake_at_ = Clock::time_point::min();  // while awake, nothing needs to cancel the timer
    const auto now = Clock::now();
    if (!draining_) hub_.expire_due();
    flush_lazy(draining_ ? Clock::time_point::max() : now);
    if (turn_lines_due() <= now || draining_) write_turn_lines();
    if (now >= next_sweep) {
      next_sweep = now + period;
      sweep(now);
    }
    flush_dirty();
    if (draining_ && (sessions_.empty() || now >= drain_deadline_)) {
      for (auto& [id, s] : sessions_) s->close();
      ctx_.stop();  // handshakes, the listener and the admin port go with it
      co_return;
    }
  }
}

// Heartbeats: a v1 client we have not heard from for a heartbeat is pinged
// (so a client that only ever reads is kept alive by answering), and one
// silent for the idle timeout is gone. Lingering sockets are closed.
void Shard::sweep(Clock::time_point now) {
  std::vector<std::shared_ptr<Session>> idle;
  for (auto& [id, s] : sessions_) {
    if (s->ended()) {
      if (now - s->ended_at() > kLinger) s->close();
      continue;
    }
    if (s->who().wire != Wire::v1) continue;  // the seed's client can't be pinged; the hub's legacy deadline covers it
    const auto silent = now - s->last_heard();
    if (config_.idle_timeout.count() > 0 && silent > config_.idle_timeout) {
      idle.push_back(s);
    } else if (config_.heartbeat.count() > 0 && silent >= config_.heartbeat &&
               now - s->last_pinged() >= config_.heartbeat) {
      s->deliver_ping("hb");
      mark_dirty(*s);
    }
  }
  for (auto& s : idle) s->fail(v1::code::idle_timeout, "nothing heard within the idle timeout", Closed::idle);
}

void Shard::feed_all(bool on) {
  asio::post(ctx_, [this, on] {
    feed_all_ = on;
    hub_.feed_all(on);
    if (on && !feed_running_) {
      feed_running_ = true;
      asio::co_spawn(ctx_, feed_loop(), detached_logged);
    }
  });
}

void Shard::feed_ring(std::string name, int delta) {
  asio::post(ctx_, [this, name = std::move(name), delta] {
    hub_.feed_ring(name, delta);
    feed_streams_ = std::max(0, feed_streams_ + delta);
    if (feed_streams_ > 0 && !feed_running_) {
      feed_running_ = true;
      asio::co_spawn(ctx_, feed_loop(), detached_logged);
    }
  });
}

// Runs only while someone watches the feed: a server without viewers pays
// nothing for it but a branch per turn.
asio::awaitable<void> Shard::feed_loop() {
  asio::steady_timer t(ctx_);
  while (feed_all_ || feed_streams_ > 0 || hub_.feed_pending()) {
    t.expires_after(kFeedPeriod);
    co_await t.async_wait(use_tuple);
    if (draining_) break;
    if (hub_.feed_pending() && feed_sink_) feed_sink_(hub_.take_changes(kFeedMaxRings));
  }
  feed_running_ = false;
}

}  // namespace baton::server

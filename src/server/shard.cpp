#include "server/shard.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "server/farewell.hpp"
#include "server/log.hpp"

namespace baton::server {
namespace {

constexpr auto kSweepEvery = std::chrono::milliseconds(250);  // heartbeats, idle and linger checks, at most this far apart
constexpr auto kMinTick = std::chrono::milliseconds(5);
// How far one reservation reaches: one fdatasync per this many grants of the shard.
constexpr std::uint64_t kReserveAhead = 65536;
constexpr std::string_view kRevokedPing = "revoked";  // token of the PING that asks a revoked member to show life

std::uint64_t ms(std::chrono::milliseconds d) { return static_cast<std::uint64_t>(d.count()); }

// Deadlines and heartbeats are checked on a tick, so the tick must be a
// fraction of the shortest of them.
std::chrono::milliseconds tick_period(const ServerConfig& c) {
  auto p = std::chrono::milliseconds(kSweepEvery);
  for (auto d : {c.turn_timeout / 10, c.heartbeat / 4, c.idle_timeout / 4})
    if (d.count() > 0) p = std::min(p, d);
  return std::max(p, std::chrono::milliseconds(kMinTick));
}

}  // namespace

Shard::Shard(const ServerConfig& config, std::unique_ptr<JournalPort> journal, std::uint64_t floor)
    : config_(config), journal_(std::move(journal)), floor_(floor), reserved_(floor) {}

void Shard::run() {
  asio::co_spawn(ctx_, tick_loop(), detached_logged);
  ctx_.run();
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
    auto s = std::make_shared<Session>(*this, std::move(sock), std::move(h.slot), h.id, std::move(h.who),
                                       std::move(h.leftover), std::move(h.legacy_first));
    sessions_.emplace(h.id, s);
    if (draining_) s->shutdown_notice();
    else enter(s);
    s->start();
    flush_dirty();
  });
}

void Shard::enter(const std::shared_ptr<Session>& s) {
  const Identity& who = s->who();
  RingState& rs = ring_named(who.ring);
  if (!who.watcher && !rs.names.emplace(who.name, s->id()).second) {
    // A legacy peer is told nothing (its protocol has no error) and must not
    // speak in a live member's name; a v1 peer gets NAME_TAKEN.
    s->fail(v1::code::name_taken, fmt::format("name {} is already in ring {}", who.name, who.ring));
    return;
  }
  seat_.emplace(s->id(), &rs);
  s->deliver_welcome(ms(config_.heartbeat));
  mark_dirty(*s);
  log_info(fmt::format("{} joined ring {} as {} ({})", who.name, who.ring, who.watcher ? "watcher" : "member",
                       who.wire == Wire::v1 ? "v1" : "legacy"));
  if (who.watcher) {
    rs.watchers.push_back(s.get());
    return;
  }
  rs.ring.join(s->id(), effects_);
  apply(rs);
}

Shard::RingState& Shard::ring_named(const std::string& name) {
  auto it = rings_.find(name);
  if (it != rings_.end()) return *it->second;
  auto rs = std::make_unique<RingState>(name, config_.min_members, floor_);
  return *rings_.emplace(name, std::move(rs)).first->second;
}

void Shard::submit(Session& s, std::uint64_t turn, std::string_view payload) {
  const auto seat = seat_.find(s.id());
  if (seat == seat_.end()) {
    s.fail(v1::code::not_a_member, "not a member of a ring");
    return;
  }
  RingState& rs = *seat->second;
  // The seed's protocol names no turn: a legacy send is for the current one.
  if (s.who().wire == Wire::legacy) turn = rs.ring.turn();
  const auto before = rs.ring.turn();
  switch (rs.ring.submit(s.id(), turn, effects_)) {
    case Ring::Verdict::accepted:
      break;
    case Ring::Verdict::not_your_turn:
      s.fail(v1::code::not_your_turn, fmt::format("turn {} is not yours", turn));
      return;
    case Ring::Verdict::stale_turn:
      if (s.forgive_crossed_send(turn)) {
        log_info(fmt::format("{}'s send for revoked turn {} of ring {} crossed its REVOKED; ignored", s.who().name,
                             turn, rs.name));
        return;
      }
      s.fail(v1::code::stale_turn, fmt::format("turn {} is not the current turn {}", turn, before));
      return;
    case Ring::Verdict::not_a_member:
      s.fail(v1::code::not_a_member, "not a member of this ring");
      return;
  }
  if (journal_) journal_->stage_send(rs.name, turn, s.who().name, payload);
  if (journal_ && !journal_->commit()) {
    log_warn("journal write failed; the send is not acknowledged");
    s.fail(v1::code::journal, "the journal could not be written");
    apply(rs);
    return;
  }
  if (config_.log_turns) log_turn(rs.name, turn, s.who().name, payload);
  // In the sender's own stream the ACK precedes anything the turn causes
  // (with one member, its next GRANT). Across sessions, the next holder is
  // written first (apply marks it before the sender): its GRANT is on the
  // critical path of the next turn, the ACK and the EVENTs are not.
  s.deliver_ack(turn);
  for (Session* w : rs.watchers) w->deliver_event(turn, s.who().name, payload);
  apply(rs);
  mark_dirty(s);
  for (Session* w : rs.watchers) mark_dirty(*w);
}

void Shard::resume(Session& s) {
  s.set_suspended(false);
  const auto seat = seat_.find(s.id());
  if (seat == seat_.end()) return;
  seat->second->ring.resume(s.id(), effects_);
  apply(*seat->second);
}

void Shard::leave(Session& s) {
  const auto seat = seat_.find(s.id());
  if (seat == seat_.end()) return;
  RingState& rs = *seat->second;
  seat_.erase(seat);
  const Identity& who = s.who();
  log_info(fmt::format("{} left ring {}", who.name, who.ring));
  if (who.watcher) {
    std::erase(rs.watchers, &s);
    return;
  }
  if (auto n = rs.names.find(who.name); n != rs.names.end() && n->second == s.id()) rs.names.erase(n);
  rs.ring.leave(s.id(), effects_);
  apply(rs);
}

void Shard::forget(Session& s) {
  count(closed_, s.closed_reason());
  sessions_.erase(s.id());
}

void Shard::apply(RingState& rs) {
  for (const Effect& e : effects_) {
    const auto it = sessions_.find(e.member);
    Session* s = it == sessions_.end() ? nullptr : it->second.get();
    if (e.kind == Effect::Kind::grant) {
      // Every grant is armed, whether or not its holder is still there to be
      // told (it may be leaving during a drain).
      rs.deadline = deadline_for(s, Clock::now());
      if (journal_ && e.value > reserved_) {
        if (journal_->reserve(e.value + kReserveAhead)) reserved_ = e.value + kReserveAhead;
        else log_warn(fmt::format("journal: cannot reserve turn numbers above {}; turn {} of ring {} is granted "
                                  "unreserved and could be granted again after a crash", reserved_, e.value, rs.name));
      }
    }
    if (!s || s->ended()) continue;  // nothing more is said to a peer we said goodbye to
    deliver(rs, e, *s);
  }
  effects_.clear();
  run_deferred();
}

void Shard::deliver(RingState& rs, const Effect& e, Session& s) {
  switch (e.kind) {
    case Effect::Kind::grant:
      if (s.has_legacy_first()) {
        // The seed's client already answered our probe: that answer is this turn's send.
        deferred_.push_back({Deferred::Kind::commit_first, s.id(), e.value});
        return;
      }
      s.deliver_grant(e.value, ms(config_.turn_timeout));
      break;
    case Effect::Kind::revoke:
      log_info(fmt::format("{} revoked: turn {} of ring {} timed out", s.who().name, e.value, rs.name));
      if (s.who().wire == Wire::legacy) {
        // A seed client that does not answer GO is gone or stuck; it can't be told.
        deferred_.push_back({Deferred::Kind::drop_legacy, s.id(), e.value});
        return;
      }
      s.deliver_revoked(e.value);
      s.deliver_ping(kRevokedPing);  // a live client answers at once and is queued again
      s.set_suspended(true);
      break;
    case Effect::Kind::queue:
      s.deliver_queue(e.value);
      break;
  }
  mark_dirty(s);
}

void Shard::run_deferred() {
  if (applying_) return;  // the outermost call drains the list
  applying_ = true;
  for (std::size_t i = 0; i < deferred_.size(); ++i) {
    const Deferred d = deferred_[i];
    const auto it = sessions_.find(d.member);
    if (it == sessions_.end() || it->second->ended()) continue;
    Session& s = *it->second;
    if (d.kind == Deferred::Kind::drop_legacy) {
      s.fail("TURN_TIMEOUT", fmt::format("turn {} not answered", d.turn), Closed::turn_timeout);
    } else if (auto payload = s.take_legacy_first()) {
      submit(s, d.turn, *payload);
    }
  }
  deferred_.clear();
  applying_ = false;
}

Clock::time_point Shard::deadline_for(const Session* holder, Clock::time_point now) const {
  if (config_.turn_timeout.count() > 0) return now + config_.turn_timeout;
  // Even with no turn timeout, a seed client that stopped answering GO must
  // not hold the ring for ever: it can't be pinged, so its silence is the sign.
  if (holder && holder->who().wire == Wire::legacy && config_.idle_timeout.count() > 0)
    return now + config_.idle_timeout;
  return Clock::time_point::max();
}

void Shard::flush_dirty() {
  // flush() may drop a session, which may deliver to others: loop until quiet.
  while (!dirty_.empty()) {
    std::swap(dirty_, flushing_);
    for (auto& s : flushing_) s->flush();
    flushing_.clear();
  }
}

void Shard::drain() {
  asio::post(ctx_, [this] {
    if (draining_) return;
    draining_ = true;
    drain_deadline_ = Clock::now() + config_.drain_timeout;
    for (auto& [id, s] : sessions_) s->shutdown_notice();
    flush_dirty();
  });
}

asio::awaitable<void> Shard::tick_loop() {
  asio::steady_timer timer(ctx_);
  const auto period = tick_period(config_);
  auto next_sweep = Clock::now();
  for (;;) {
    timer.expires_after(draining_ ? std::min<Clock::duration>(period, std::chrono::milliseconds(20)) : period);
    co_await timer.async_wait(use_tuple);
    const auto now = Clock::now();
    const bool sweep = now >= next_sweep;
    if (sweep) next_sweep = now + period * 4;
    tick(now, sweep);
    flush_dirty();
    if (draining_ && (sessions_.empty() || now >= drain_deadline_)) {
      for (auto& [id, s] : sessions_) s->close();
      ctx_.stop();  // handshakes, the listener and the admin port go with it
      co_return;
    }
  }
}

void Shard::tick(Clock::time_point now, bool do_sweep) {
  if (!draining_) {
    for (auto& [name, rs] : rings_) {
      if (rs->ring.holder() && now >= rs->deadline) {
        rs->deadline = Clock::time_point::max();
        rs->ring.expire(rs->ring.turn(), effects_);
        apply(*rs);
      }
    }
  }
  if (do_sweep) sweep(now);
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
    if (s->who().wire != Wire::v1) continue;  // the seed's client can't be pinged; see deadline_for
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

}  // namespace baton::server

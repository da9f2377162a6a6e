#include "server/shard.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "server/log.hpp"

namespace baton::server {
namespace {

constexpr auto kLinger = std::chrono::seconds(2);      // after an error, the peer's time to read it and close
constexpr auto kSweepEvery = std::chrono::milliseconds(250);

std::uint64_t ms(std::chrono::milliseconds d) { return static_cast<std::uint64_t>(d.count()); }

// Turn deadlines are checked on a tick, so the tick must be a fraction of the timeout.
std::chrono::milliseconds tick_period(const ServerConfig& c) {
  if (c.turn_timeout.count() <= 0) return kSweepEvery;
  return std::clamp(c.turn_timeout / 10, std::chrono::milliseconds(5), kSweepEvery);
}

}  // namespace

Shard::Shard(const ServerConfig& config, Journal* journal, const TurnHistory& history)
    : config_(config), journal_(journal), history_(history) {}

void Shard::run() {
  asio::co_spawn(ctx_, tick_loop(), detached_logged);
  ctx_.run();
}

void Shard::adopt(int fd, bool v6, MemberId id, Identity who, std::string leftover, Slot slot) {
  asio::post(ctx_, [this, fd, v6, id, who = std::move(who), leftover = std::move(leftover),
                    slot = std::move(slot)]() mutable {
    tcp::socket sock(ctx_);
    boost::system::error_code ec;
    sock.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    auto s = std::make_shared<Session>(*this, std::move(sock), std::move(slot), id, std::move(who),
                                       std::move(leftover));
    sessions_.emplace(id, s);
    if (draining_) s->shutdown_notice();
    else enter(s);
    s->start();
    flush_dirty();
  });
}

void Shard::enter(const std::shared_ptr<Session>& s) {
  const Identity& who = s->who();
  RingState& rs = ring_named(who.ring);
  if (who.wire == Wire::v1 && !who.watcher) {
    if (!rs.names.emplace(who.name, s->id()).second) {
      s->fail(v1::code::name_taken, fmt::format("name {} is already in ring {}", who.name, who.ring));
      return;
    }
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
  const auto h = history_.find(name);
  auto rs = std::make_unique<RingState>(name, config_.min_members, h == history_.end() ? 0 : h->second);
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
      s.fail(v1::code::stale_turn, fmt::format("turn {} is not the current turn {}", turn, before));
      return;
    case Ring::Verdict::not_a_member:
      s.fail(v1::code::not_a_member, "not a member of this ring");
      return;
  }
  if (journal_ && !journal_->append_send(rs.name, turn, s.who().name, payload)) {
    log_warn("journal write failed; the send is not acknowledged");
    s.fail("JOURNAL", "the journal could not be written");
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

void Shard::forget(Session& s) { sessions_.erase(s.id()); }

void Shard::apply(RingState& rs) {
  for (const Effect& e : effects_) {
    const auto it = sessions_.find(e.member);
    if (it == sessions_.end()) continue;
    Session& s = *it->second;
    if (s.ended()) continue;  // nothing more is said to a peer we said goodbye to
    switch (e.kind) {
      case Effect::Kind::grant:
        rs.deadline = Clock::now() + config_.turn_timeout;
        if (journal_) journal_->append_grant(rs.name, e.value);
        s.deliver_grant(e.value, ms(config_.turn_timeout));
        break;
      case Effect::Kind::revoke:
        log_info(fmt::format("{} revoked: turn {} of ring {} timed out", s.who().name, e.value, rs.name));
        s.deliver_revoked(e.value);
        break;
      case Effect::Kind::queue:
        s.deliver_queue(e.value);
        break;
    }
    mark_dirty(s);
  }
  effects_.clear();
}

void Shard::flush_dirty() {
  // flush() may drop a session, which may deliver to others: loop until quiet.
  while (!dirty_.empty()) {
    auto batch = std::move(dirty_);
    dirty_.clear();
    for (auto& s : batch) s->flush();
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
    if (sweep) next_sweep = now + kSweepEvery;
    tick(now, sweep);
    flush_dirty();
    if (draining_ && (sessions_.empty() || now >= drain_deadline_)) {
      for (auto& [id, s] : sessions_) s->close();
      ctx_.stop();  // handshakes, the listener and the admin port go with it
      co_return;
    }
  }
}

void Shard::tick(Clock::time_point now, bool sweep) {
  if (config_.turn_timeout.count() > 0 && !draining_) {
    for (auto& [name, rs] : rings_) {
      if (rs->ring.holder() && now >= rs->deadline) {
        rs->ring.expire(rs->ring.turn(), effects_);
        apply(*rs);
      }
    }
  }
  if (!sweep) return;
  std::vector<std::shared_ptr<Session>> idle;
  for (auto& [id, s] : sessions_) {
    if (s->ended()) {
      if (now - s->ended_at() > kLinger) s->close();
    } else if (s->who().wire == Wire::v1 && config_.idle_timeout.count() > 0 &&
               now - s->last_heard() > config_.idle_timeout) {
      idle.push_back(s);
    }
  }
  for (auto& s : idle) s->fail(v1::code::idle_timeout, "nothing heard within the idle timeout");
}

}  // namespace baton::server

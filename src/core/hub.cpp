#include "core/hub.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/hub_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {
namespace {

constexpr std::string_view kRevokedPing = "revoked";  // token of the PING that asks a revoked member to show life

std::uint64_t ms(std::chrono::milliseconds d) { return static_cast<std::uint64_t>(d.count()); }

std::uint64_t system_micros() {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

}  // namespace

Hub::Hub(HubConfig config, HubLog& log, JournalPort* journal, std::uint64_t floor)
    : config_(std::move(config)), log_(log), journal_(journal), floor_(floor), reserved_(floor),
      timers_(std::make_unique<Timers>()) {
  if (!config_.wall_micros) config_.wall_micros = system_micros;
}

Hub::~Hub() {
  for (auto& [timeout, list] : timers_->turn) list.clear();
  timers_->legacy.clear();
}

void Hub::enter(Participant& p) {
  const Identity& who = p.who();
  if (!who.watcher && !who.session.empty() && try_resume(p)) return;
  if (auto why = over_quota(who)) {
    p.fail(v1::code::quota, *why, Closed::quota);
    return;
  }
  RingState& rs = ring_named(who.ring);
  if (rs.draining) {
    p.fail(v1::code::ring_draining, fmt::format("ring {} is being drained: no new members", who.ring), Closed::kicked);
    maybe_retire(rs);
    return;
  }
  if (!who.watcher && who.mode && !set_mode(rs, *who.mode)) {
    p.fail(v1::code::wrong_mode, fmt::format("ring {} is a {} ring", who.ring,
                                             rs.ring.mode() == RingPolicy::lock ? "lock" : "rotation"));
    maybe_retire(rs);
    return;
  }
  if (!who.watcher && !rs.names.emplace(who.name, p.id()).second) {
    // A legacy peer is told nothing (its protocol has no error) and must not
    // speak in a live member's name; a v1 peer gets NAME_TAKEN.
    p.fail(v1::code::name_taken, fmt::format("name {} is already in ring {}", who.name, who.ring));
    maybe_retire(rs);
    return;
  }
  Seat& seat = seats_[p.id()];
  seat.p = &p;
  seat.rs = &rs;
  seat.name = who.name;
  seat.wire = who.wire;
  p.deliver_welcome(ms(config_.heartbeat));
  if (!who.watcher && who.v2()) open_session(p, seat);
  tell_conditions(p, rs);
  p.ready();
  log_.info(fmt::format("{} joined ring {} as {} ({}{}{})", who.name, who.ring, who.watcher ? "watcher" : "member",
                        who.wire == Wire::v1 ? (who.v2() ? "v1 HELLO 2" : "v1") : "legacy",
                        who.peer.empty() ? "" : " from ", who.peer));
  if (who.watcher) {
    rs.watchers.push_back(&p);
    if (who.v2()) replay(p, rs);
    touch(rs);
    return;
  }
  record(rs, RingEvent::Kind::joined, rs.ring.turn(), who.name);
  guard(rs);
  rs.ring.join(p.id(), effects_);
  apply(rs);
  refresh_waiting(rs);
  touch(rs);
}

void Hub::submit(Participant& p, std::uint64_t turn, std::string_view payload) {
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) {
    p.fail(v1::code::not_a_member, "not a member of a ring");
    return;
  }
  const MemberId id = seat->first;
  RingState& rs = *seat->second.rs;
  // The seed's protocol names no turn: a legacy send is for the current one.
  if (p.who().wire == Wire::legacy) turn = rs.ring.turn();
  auto verdict = rs.ring.check(id, turn);
  if (verdict == Ring::Verdict::accepted && rs.sender != 0) verdict = Ring::Verdict::stale_turn;  // sent twice
  if (verdict == Ring::Verdict::accepted) {
    const auto now = config_.now();
    stats_.hold.observe(now - rs.granted_at);
    rs.sent_at = now;
  }
  if (verdict != Ring::Verdict::accepted) {
    if (verdict == Ring::Verdict::stale_turn && turn != 0 && seat->second.revoked_turn == turn) {
      seat->second.revoked_turn = 0;  // once: the REVOKED in its stream already answered it
      log_.info(fmt::format("{}'s send for revoked turn {} of ring {} crossed its REVOKED; ignored", p.who().name,
                            turn, rs.name));
      return;
    }
    refuse(p, verdict, turn, rs.ring.turn());
    return;
  }
  if (!journal_) {
    accept(rs, id, seat->second, turn, &payload);
    return;
  }
  // Held until the journal has it: the holder is not revoked meanwhile (the
  // wait is the server's), and nobody hears of the send before commit().
  rs.sender = id;
  rs.pending_turn = turn;
  rs.pending.assign(payload);
  rs.timer.unlink();
  rs.deadline = Clock::time_point::max();
  if (!rs.staged && !rs.stalled) {
    rs.staged = true;
    staged_.push_back(&rs);
  }
}

void Hub::accept(RingState& rs, MemberId id, Seat& seat, std::uint64_t turn, const std::string_view* payload) {
  Participant* p = seat.p;  // null: it sent, and its connection dropped before the journal had it
  const bool can_grant = guard(rs);
  if (rs.ring.submit(id, turn, effects_) != Ring::Verdict::accepted) return;
  seat.last_turn = turn;
  if (payload) {
    if (config_.log_turns) log_.turn(rs.name, turn, seat.name, *payload);
    stats_.sends.add();
    rs.last_send_turn = turn;
    record(rs, RingEvent::Kind::sent, turn, seat.name, *payload);
  } else {
    log_.info(fmt::format("{} {} turn {} of ring {}", seat.name,
                          rs.ring.mode() == RingPolicy::lock ? "released" : "passed", turn, rs.name));
    record(rs, RingEvent::Kind::passed, turn, seat.name);
    stats_.passed.add();
  }
  if (rs.backlog) rs.backlog->push(turn, payload == nullptr, seat.name, payload ? *payload : std::string_view{});
  // In the sender's own stream the ACK precedes anything the turn causes
  // (with one member, its next GRANT). Across participants, the next holder
  // is readied first (apply does it): its GRANT is on the critical path of
  // the next turn, the ACK and the EVENTs are not.
  if (p) p->deliver_ack(turn);
  for (Participant* w : rs.watchers) {
    if (payload) w->deliver_event(turn, seat.name, *payload);
    else w->deliver_passed(turn, seat.name);
  }
  handoff_since_ = rs.sent_at;  // the grant this send causes ends a hand-off
  apply(rs);
  handoff_since_.reset();
  if (p) p->ready_lazily();
  for (Participant* w : rs.watchers) w->ready();
  if (!can_grant) stall(rs);
}

void Hub::resume(Participant& p) {
  p.set_suspended(false);
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) return;
  RingState& rs = *seat->second.rs;
  guard(rs);
  rs.ring.resume(seat->first, effects_);
  apply(rs);
}

void Hub::leave(Participant& p) {
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) return;  // not seated, or its seat moved on
  vacate(seat->first, true);
}

void Hub::vacate(MemberId id, bool said_so) {
  const auto seat = seats_.find(id);
  if (seat == seats_.end()) return;
  RingState& rs = *seat->second.rs;
  Participant* p = seat->second.p;
  const std::string name = std::move(seat->second.name);
  const bool watcher = p && p->who().watcher;
  if (!p && seat->second.detached_until != Clock::time_point::max()) stats_.detached.add(-1);
  if (!seat->second.session.empty()) sessions_.erase(seat->second.session);
  if (!watcher && seat->second.last_turn != 0) remember(rs.name, name, seat->second.last_turn);
  seats_.erase(seat);
  log_.info(said_so ? fmt::format("{} left ring {}", name, rs.name)
                    : fmt::format("{} left ring {}: its seat was not resumed within {} ms", name, rs.name,
                                  ms(config_.resume_grace)));
  if (watcher) {
    std::erase(rs.watchers, p);
    touch(rs);
    maybe_retire(rs);
    return;
  }
  if (auto n = rs.names.find(name); n != rs.names.end() && n->second == id) rs.names.erase(n);
  if (rs.sender == id) {  // its send was never acked: it goes with it
    rs.sender = 0;
    rs.pending.clear();
  }
  if (rs.ring.holder() == id) {  // its turn ends without a send
    stats_.holder_left.add();
    record(rs, RingEvent::Kind::holder_left, rs.ring.turn(), name);
  } else {
    record(rs, RingEvent::Kind::left, rs.ring.turn(), name);
  }
  guard(rs);
  rs.ring.leave(id, effects_);
  apply(rs);
  refresh_waiting(rs);
  touch(rs);
  if (rs.draining && rs.ring.size() == 0 && !rs.watchers.empty()) {
    close_if_drained(rs);  // its last watcher's leave deletes the ring
    return;
  }
  maybe_retire(rs);
}

void Hub::apply(RingState& rs) {
  if (effects_.empty()) return;
  for (const Effect& e : effects_) {
    const auto it = seats_.find(e.member);
    Seat* seat = it == seats_.end() ? nullptr : &it->second;
    if (e.kind == Effect::Kind::grant) {
      // Every grant is armed and counted, whether or not its holder is there to be told.
      const auto now = config_.now();
      rs.granted_at = now;
      ++rs.grants;
      stats_.grants.add();
      if (rs.exported) rs.exported->grants.add();
      arm(rs, seat ? seat->p : nullptr, now);
    } else if (e.kind == Effect::Kind::revoke) {
      stats_.revoked.add();
      record(rs, RingEvent::Kind::revoked, e.value, seat ? std::string_view(seat->name) : "");
    }
    // Nothing more is said to a peer we said goodbye to, nor to a detached
    // seat: a resume tells it its state then.
    if (!seat || !seat->p || seat->p->ended()) continue;
    deliver(rs, e, *seat);
  }
  effects_.clear();
  touch(rs);
  run_deferred();
}

void Hub::deliver(RingState& rs, const Effect& e, Seat& seat) {
  Participant& p = *seat.p;
  switch (e.kind) {
    case Effect::Kind::grant:
      if (p.has_legacy_first()) {
        // The seed's client already answered our probe: that answer is this turn's send.
        deferred_.push_back({Deferred::Kind::commit_first, p.id(), e.value});
        return;
      }
      p.deliver_grant(e.value, ms(rs.turn_timeout));
      break;
    case Effect::Kind::revoke:
      if (!skipping_) log_.info(fmt::format("{} revoked: turn {} of ring {} timed out", p.who().name, e.value, rs.name));
      if (p.who().wire == Wire::legacy) {
        // A seed client that does not answer GO is gone or stuck; it can't be told.
        deferred_.push_back({Deferred::Kind::drop_legacy, p.id(), e.value});
        return;
      }
      seat.revoked_turn = e.value;
      p.deliver_revoked(e.value);
      if (rs.ring.mode() == RingPolicy::lock) break;  // idle, not suspended: it acquires when it wants to
      p.deliver_ping(kRevokedPing);  // a live client answers at once and is queued again
      p.set_suspended(true);
      break;
    case Effect::Kind::queue:
      p.deliver_queue(e.value);
      p.ready_lazily();
      return;
  }
  p.ready();
}

void Hub::run_deferred() {
  if (applying_) return;  // the outermost call drains the list
  applying_ = true;
  for (std::size_t i = 0; i < deferred_.size(); ++i) {
    const Deferred d = deferred_[i];
    const auto it = seats_.find(d.member);
    if (it == seats_.end() || !it->second.p || it->second.p->ended()) continue;
    Participant& p = *it->second.p;
    if (d.kind == Deferred::Kind::drop_legacy) {
      p.fail("TURN_TIMEOUT", fmt::format("turn {} not answered", d.turn), Closed::turn_timeout);
    } else if (auto payload = p.take_legacy_first()) {
      submit(p, d.turn, *payload);
    }
  }
  deferred_.clear();
  applying_ = false;
}

}  // namespace baton

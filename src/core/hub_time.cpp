// The hub and time, and the hub and its journal: deadlines, group commit,
// reservations, and what a ring does while its journal can't be written.
#include <algorithm>

#include <fmt/format.h>

#include "core/hub.hpp"
#include "core/hub_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {
namespace {

// How far a reservation reaches past the number that needed it. Turns that
// follow the wall clock need a new one for each ring created later than the
// last reservation reaches, so theirs reaches about 17 s of clock ahead;
// counted turns need one per 65,536 grants. Either way a restart skips at
// most this many numbers.
constexpr std::uint64_t kReserveAheadClock = std::uint64_t{1} << 24;
constexpr std::uint64_t kReserveAheadCounted = std::uint64_t{1} << 16;

}  // namespace

void Hub::arm(RingState& rs, const Participant* holder, Clock::time_point now) {
  rs.timer.unlink();
  rs.deadline = Clock::time_point::max();
  if (rs.turn_timeout.count() > 0) {
    rs.deadline = now + rs.turn_timeout;
    timers_->turn[rs.turn_timeout].push_back(rs);
  } else if (holder && holder->who().wire == Wire::legacy && config_.legacy_silence.count() > 0) {
    // Even with no turn timeout, a seed client that stopped answering GO must
    // not hold the ring for ever: it can't be pinged, so its silence is the sign.
    rs.deadline = now + config_.legacy_silence;
    timers_->legacy.push_back(rs);
  }
}

Hub::Clock::time_point Hub::next_deadline() const {
  auto next = retry_at_;
  for (const auto& [timeout, list] : timers_->turn)
    if (!list.empty()) next = std::min(next, list.front().deadline);
  if (!timers_->legacy.empty()) next = std::min(next, timers_->legacy.front().deadline);
  if (!detached_.empty()) next = std::min(next, detached_.front().until);
  return next;
}

void Hub::expire_due() {
  const auto now = config_.now();
  auto run = [&](TimerList& list) {
    // A grant made below re-arms at now + timeout: behind the front, so the loop ends.
    while (!list.empty() && list.front().deadline <= now) {
      RingState& rs = list.front();
      rs.timer.unlink();
      rs.deadline = Clock::time_point::max();
      if (!rs.ring.holder()) continue;
      guard(rs);
      rs.ring.expire(rs.ring.turn(), effects_);
      apply(rs);
    }
  };
  // (A grant may add a list for a new timeout: std::map keeps the iterators valid.)
  for (auto& [timeout, list] : timers_->turn) run(list);
  run(timers_->legacy);
  expire_seats(now);
  if (now >= retry_at_) retry_stalled();
}

bool Hub::guard(RingState& rs) {
  if (reserve_for(rs)) return true;
  rs.ring.pause(PauseBy::journal);
  stall(rs);
  return false;
}

bool Hub::reserve_for(RingState& rs) {
  const std::uint64_t need = rs.ring.turn() + 1;
  if (!journal_ || need <= reserved_) return true;
  const std::uint64_t ahead = config_.turns_from_clock ? kReserveAheadClock : kReserveAheadCounted;
  const std::uint64_t upto = std::min(need + ahead, kMaxTurn - 1);
  if (need >= kMaxTurn || !journal_->reserve(upto)) return false;
  reserved_ = upto;
  return true;
}

void Hub::commit() {
  if (staged_.empty()) return;
  committing_.swap(staged_);  // both keep their capacity: no allocation per pass
  for (RingState* rs : committing_) stage_pending(*rs);
  const bool ok = journal_->staged() == 0 || journal_->commit();
  // Applying one ring may make others leave (and be deleted); a ring still
  // waiting in this list is never deleted (staged), one done is not looked at again.
  for (RingState* rs : committing_) {
    rs->staged = false;
    if (rs->sender != 0 && !ok) {
      stall(*rs);
      continue;
    }
    apply_pending(*rs);
    maybe_retire(*rs);
  }
  committing_.clear();
}

void Hub::stage_pending(RingState& rs) {
  if (rs.sender == 0) return;  // no send, or its sender left before the commit
  journal_->stage_send(rs.name, rs.pending_turn, seats_.at(rs.sender).name, rs.pending);
}

void Hub::apply_pending(RingState& rs) {
  if (rs.sender == 0) return;
  const MemberId id = rs.sender;
  rs.sender = 0;
  const std::string_view payload = rs.pending;
  accept(rs, id, seats_.at(id), rs.pending_turn, &payload);
}

void Hub::stall(RingState& rs) {
  if (rs.stalled) return;
  rs.stalled = true;
  rs.timer.unlink();  // the holder keeps its turn while the server is the one stuck
  rs.deadline = Clock::time_point::max();
  if (stalled_.empty()) {
    log_.warn(fmt::format("journal write failed: ring {} stops granting and acking until it can be written; "
                          "retrying every {} ms", rs.name, config_.journal_retry.count()));
  }
  stalled_.push_back(&rs);
  touch(rs);
  retry_at_ = std::min(retry_at_, config_.now() + config_.journal_retry);
  tell_ring(rs, v1::notice::journal_stalled, "the server cannot write its journal; turns resume when it can");
}

void Hub::tell_ring(RingState& rs, std::string_view code, std::string_view text) {
  for (const auto& [name, id] : rs.names) {
    if (const auto it = seats_.find(id); it != seats_.end() && it->second.p && !it->second.p->ended()) {
      it->second.p->deliver_notice(code, text);
      it->second.p->ready();
    }
  }
  for (Participant* w : rs.watchers) {
    w->deliver_notice(code, text);
    w->ready();
  }
}

void Hub::retry_stalled() {
  retry_at_ = Clock::time_point::max();
  if (stalled_.empty()) return;
  std::vector<RingState*> batch;
  batch.swap(stalled_);
  for (RingState* rs : batch) stage_pending(*rs);
  const bool ok = journal_->staged() == 0 || journal_->commit();
  for (RingState* rs : batch) {
    rs->stalled = false;
    const bool had_send = rs->sender != 0;
    if ((had_send && !ok) || (!had_send && !reserve_for(*rs))) {
      rs->stalled = true;  // still stuck: stays in the list, nothing more said
      stalled_.push_back(rs);
      continue;
    }
    tell_ring(*rs, v1::notice::journal_resumed, "the journal can be written again");
    // A send is acked as soon as it is durable, even if the next number can't
    // be reserved yet (accept() then pauses and stalls the ring again): left
    // pending, it would be written a second time by the next retry.
    apply_pending(*rs);
    if (rs->stalled) continue;
    rs->ring.unpause(PauseBy::journal, effects_);
    apply(*rs);
    // stall() dropped the deadline of a holder that had not sent; without a
    // new one it would keep the baton for ever.
    if (const auto holder = rs->ring.holder(); holder && rs->sender == 0 && !rs->timer.is_linked()) {
      const auto seat = seats_.find(*holder);
      arm(*rs, seat == seats_.end() ? nullptr : seat->second.p, config_.now());
    }
    maybe_retire(*rs);
  }
  if (!stalled_.empty()) retry_at_ = config_.now() + config_.journal_retry;
  else log_.info("journal writable again: every ring resumed");
}

}  // namespace baton

#include "core/ring.hpp"

#include <algorithm>

namespace baton {

void Ring::join(MemberId id, Effects& out) {
  if (mode_ == RingPolicy::lock) {
    suspended_.push_back(id);  // idle until it asks
    return;
  }
  queue_back(id, out);
}

Ring::Acquired Ring::acquire(MemberId id, Effects& out) {
  if (mode_ != RingPolicy::lock) return Acquired::not_a_member;
  if (running_ && order_.front() == id) return Acquired::holding;
  if (const auto it = std::find(order_.begin(), order_.end(), id); it != order_.end()) {
    out.push_back({Effect::Kind::queue, id, position_at(static_cast<std::size_t>(it - order_.begin()))});
    return Acquired::already_queued;
  }
  const auto s = std::find(suspended_.begin(), suspended_.end(), id);
  if (s == suspended_.end()) return Acquired::not_a_member;
  suspended_.erase(s);
  queue_back(id, out);
  return Acquired::queued;
}

void Ring::dequeue(MemberId id, Effects& out) {
  if (mode_ != RingPolicy::lock) return;
  const auto it = std::find(order_.begin(), order_.end(), id);
  if (it == order_.end() || (running_ && it == order_.begin())) return;
  const auto index = static_cast<std::size_t>(it - order_.begin());
  order_.erase(it);
  suspended_.push_back(id);
  push_positions(index, out);
}

void Ring::set_min_members(std::size_t n, Effects& out) {
  min_members_ = n == 0 ? 1 : n;
  maybe_start(out);
}

void Ring::queue_back(MemberId id, Effects& out) {
  order_.push_back(id);
  const bool was_running = running_;
  if (!running_) maybe_start(out);
  const auto index = order_.size() - 1;
  if (running_ && index == 0) return;  // granted at once
  // A start that this join caused pushed the first places already.
  if (!was_running && running_ && position_at(index) <= kPushedPositions) return;
  out.push_back({Effect::Kind::queue, id, position_at(index)});
}

void Ring::maybe_start(Effects& out) {
  if (running_ || paused_ || order_.empty()) return;
  // A lock is granted to the first request: --min-members is for rotations.
  if (!started_ && mode_ == RingPolicy::rotation && order_.size() < min_members_) return;
  started_ = true;
  grant_front(out);
  push_positions(1, out);  // everyone else's position drops by one
}

void Ring::leave(MemberId id, Effects& out) {
  if (const auto s = std::find(suspended_.begin(), suspended_.end(), id); s != suspended_.end()) {
    suspended_.erase(s);
    if (order_.empty() && suspended_.empty()) started_ = false;
    return;
  }
  const auto it = std::find(order_.begin(), order_.end(), id);
  if (it == order_.end()) return;
  const auto index = static_cast<std::size_t>(it - order_.begin());
  order_.erase(it);
  if (order_.empty()) {
    running_ = false;
    if (suspended_.empty()) started_ = false;  // a ring that empties waits for min_members again
    return;
  }
  if (running_ && index == 0) {
    grant_front(out);
    push_positions(1, out);
    return;
  }
  push_positions(index, out);
}

Ring::Verdict Ring::check(MemberId id, std::uint64_t turn) const {
  // The holder's own send is the common case: decided without a scan.
  if (running_ && order_.front() == id) return turn == turn_ ? Verdict::accepted : Verdict::stale_turn;
  if (!contains(id)) return Verdict::not_a_member;
  if (!running_ || order_.front() != id) return turn < turn_ ? Verdict::stale_turn : Verdict::not_your_turn;
  if (turn != turn_) return Verdict::stale_turn;
  return Verdict::accepted;
}

Ring::Verdict Ring::submit(MemberId id, std::uint64_t turn, Effects& out) {
  if (const auto v = check(id, turn); v != Verdict::accepted) return v;
  order_.pop_front();
  if (mode_ == RingPolicy::lock) {
    suspended_.push_back(id);  // its hold is over; it asks again if it wants more
    grant_next(out);
    return Verdict::accepted;
  }
  order_.push_back(id);
  grant_front(out);
  push_positions(1, out);
  // Gone to the back: a change it can't infer, told even when far back.
  if (const auto back = position_at(order_.size() - 1); back > kPushedPositions)
    out.push_back({Effect::Kind::queue, id, back});
  return Verdict::accepted;
}

void Ring::grant_next(Effects& out) {
  if (order_.empty()) {
    running_ = false;
    return;
  }
  grant_front(out);
  push_positions(1, out);
}

void Ring::expire(std::uint64_t turn, Effects& out) {
  if (!running_ || turn != turn_) return;
  const MemberId revoked = order_.front();
  out.push_back({Effect::Kind::revoke, revoked, turn});
  order_.pop_front();
  suspended_.push_back(revoked);  // rotation: suspended (still started: it may come back); lock: idle
  grant_next(out);
}

void Ring::resume(MemberId id, Effects& out) {
  if (mode_ == RingPolicy::lock) return;  // idle is not suspended: it acquires when it wants the baton
  const auto s = std::find(suspended_.begin(), suspended_.end(), id);
  if (s == suspended_.end()) return;
  suspended_.erase(s);
  queue_back(id, out);
}

std::optional<MemberId> Ring::holder() const {
  if (!running_) return std::nullopt;
  return order_.front();
}

bool Ring::contains(MemberId id) const {
  return std::find(order_.begin(), order_.end(), id) != order_.end() || suspended(id);
}

bool Ring::suspended(MemberId id) const {
  return std::find(suspended_.begin(), suspended_.end(), id) != suspended_.end();
}

std::optional<std::uint64_t> Ring::position(MemberId id) const {
  const auto it = std::find(order_.begin(), order_.end(), id);
  if (it == order_.end()) return std::nullopt;
  return position_at(static_cast<std::size_t>(it - order_.begin()));
}

void Ring::unpause(PauseBy by, Effects& out) {
  if (!paused_by(by)) return;
  paused_ &= static_cast<std::uint8_t>(~static_cast<std::uint8_t>(by));
  maybe_start(out);
}

void Ring::grant_front(Effects& out) {
  if (paused_) {  // the front is next, and waits
    running_ = false;
    return;
  }
  running_ = true;
  ++turn_;
  out.push_back({Effect::Kind::grant, order_.front(), turn_});
}

void Ring::push_positions(std::size_t from, Effects& out) const {
  for (std::size_t i = from; i < order_.size() && position_at(i) <= kPushedPositions; ++i)
    out.push_back({Effect::Kind::queue, order_[i], position_at(i)});
}

}  // namespace baton

// The hub seen from outside: ring summaries and details for the admin API,
// each ring's history, and the live feed of changes (docs/ADMIN.md). None of
// it decides anything about turns; the ordering logic is in hub.cpp.
#include <algorithm>

#include "core/hub.hpp"
#include "core/hub_state.hpp"

namespace baton {

void Hub::record(RingState& rs, RingEvent::Kind kind, std::uint64_t turn, std::string_view name,
                 std::string_view payload) {
  if (config_.history == 0) return;
  rs.history.push(kind, turn, name, payload, config_.wall_micros() / 1000);
}

void Hub::refresh_waiting(RingState& rs) {
  const bool waiting = rs.ring.size() > 0 && !rs.ring.started();
  if (waiting == rs.waiting_counted) return;
  stats_.waiting.add(waiting ? 1 : -1);
  rs.waiting_counted = waiting;
}

void Hub::touch(RingState& rs) {
  if (rs.exported) {
    rs.exported->turn.set(static_cast<std::int64_t>(rs.ring.turn()));
    rs.exported->members.set(static_cast<std::int64_t>(rs.ring.size()));
    rs.exported->watchers.set(static_cast<std::int64_t>(rs.watchers.size()));
  }
  if ((feed_all_ || rs.streams > 0) && !rs.feed_dirty) {
    rs.feed_dirty = true;
    changed_.push_back(&rs);
  }
}

RingSummary Hub::summarize(const RingState& rs) const {
  RingSummary s;
  s.name = rs.name;
  s.members = rs.ring.size();
  s.watchers = rs.watchers.size();
  s.turn = rs.ring.turn();
  s.grants = rs.grants;
  const auto holder = rs.ring.holder();
  s.queue = rs.ring.order().size() - (holder ? 1 : 0);
  if (holder) {
    if (const auto it = seats_.find(*holder); it != seats_.end()) s.holder = it->second.name;
    if (rs.deadline != Clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(rs.deadline - config_.now());
      s.turn_left_ms = std::max<std::int64_t>(0, left.count());
    }
  }
  if (rs.stalled) s.state = RingSummary::State::stalled;
  else if (rs.draining) s.state = RingSummary::State::draining;
  else if (rs.ring.paused_by(PauseBy::admin)) s.state = RingSummary::State::paused;
  else if (holder) s.state = RingSummary::State::running;
  else if (!rs.ring.started()) s.state = RingSummary::State::waiting;
  else s.state = RingSummary::State::idle;
  return s;
}

std::vector<RingSummary> Hub::list_rings(std::string_view after, std::size_t limit) const {
  std::vector<RingSummary> out;
  auto it = after.empty() ? by_name_.begin() : by_name_.upper_bound(after);
  for (; it != by_name_.end() && out.size() < limit; ++it) out.push_back(summarize(*it->second));
  return out;
}

std::optional<RingDetail> Hub::ring_detail(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  const RingState& rs = *it->second;
  RingDetail d;
  d.summary = summarize(rs);
  d.min_members = rs.ring.min_members();
  d.turn_timeout_ms = rs.turn_timeout.count();
  d.lock = rs.ring.mode() == RingPolicy::lock;
  d.paused = rs.ring.paused_by(PauseBy::admin);
  d.draining = rs.draining;
  const bool running = rs.ring.holder().has_value();
  auto add = [&](MemberId id, std::optional<std::uint64_t> pos, MemberView::State st) {
    const auto seat = seats_.find(id);
    if (seat == seats_.end()) return;  // granted while leaving: never shown half-gone
    d.members.push_back({seat->second.name, pos, st, seat->second.wire, seat->second.p == nullptr});
  };
  const auto& order = rs.ring.order();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const bool holds = running && i == 0;
    add(order[i], running ? i : i + 1, holds ? MemberView::State::holder : MemberView::State::queued);
  }
  const auto outside = d.lock ? MemberView::State::idle : MemberView::State::suspended;
  for (MemberId id : rs.ring.suspended_members()) add(id, std::nullopt, outside);
  d.events = rs.history.since(0);
  return d;
}

std::vector<RingEvent> Hub::events_after(std::string_view name, std::uint64_t after, bool* complete,
                                         std::uint64_t* last_seq) const {
  std::vector<RingEvent> out;
  const auto it = by_name_.find(name);
  if (complete) *complete = true;
  if (last_seq) *last_seq = 0;
  if (it == by_name_.end()) return out;
  const RingHistory& h = it->second->history;
  if (last_seq) *last_seq = h.last_seq();
  auto all = h.since(0);
  // Complete if the oldest event held is at or before `after`, or nothing was ever overwritten.
  if (complete && h.first_seq() > 1 && !all.empty() && all.front().turn > after) *complete = false;
  for (auto& e : all)
    if (e.turn > after) out.push_back(std::move(e));
  return out;
}

void Hub::feed_all(bool on) { feed_all_ = on; }

void Hub::feed_ring(const std::string& name, int delta) {
  int& n = streams_[name];
  n = std::max(0, n + delta);
  const int now = n;
  if (now == 0) streams_.erase(name);
  const auto it = rings_.find(name);
  if (it == rings_.end()) return;
  RingState& rs = *it->second;
  // The first stream takes events from now on; what came before it reads
  // through events_after().
  if (rs.streams == 0 && now > 0) rs.fed_seq = rs.history.last_seq();
  rs.streams = now;
}

FeedBatch Hub::take_changes(std::size_t max_rings) {
  FeedBatch b;
  const std::size_t n = std::min(max_rings, changed_.size());
  for (std::size_t i = 0; i < n; ++i) {
    RingState& rs = *changed_[i];
    rs.feed_dirty = false;
    if (!feed_all_ && rs.streams == 0) continue;
    b.rings.push_back(summarize(rs));
    if (rs.streams > 0 && rs.history.last_seq() > rs.fed_seq) {
      b.events.push_back({rs.name, rs.history.since(rs.fed_seq)});
      rs.fed_seq = rs.history.last_seq();
    }
  }
  changed_.erase(changed_.begin(), changed_.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto& e : parting_) b.events.push_back(std::move(e));
  parting_.clear();
  b.gone.swap(gone_);
  return b;
}

}  // namespace baton

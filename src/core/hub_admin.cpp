// An administrator's actions on a ring (docs/ADMIN.md, "Actions"): skip the
// holder, kick a member, pause and resume, change the turn timeout and the
// minimum members, drain. Each is logged with who did it, recorded in the
// ring's history and told to everyone in the ring as a NOTICE.
#include <fmt/format.h>

#include "core/hub.hpp"
#include "core/hub_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {

AdminOutcome Hub::act(std::string_view ring, const AdminAction& a) {
  AdminOutcome out;
  const auto it = rings_.find(std::string(ring));
  if (it == rings_.end()) {
    out.status = AdminOutcome::Status::no_ring;
    out.error = fmt::format("no ring {}", ring);
    return out;
  }
  RingState& rs = *it->second;
  auto conflict = [&](std::string why) {
    out.status = AdminOutcome::Status::conflict;
    out.error = std::move(why);
    return out;
  };
  std::string what;  // for the log, the history and the notice
  switch (a.kind) {
    case AdminAction::Kind::skip: {
      const auto holder = rs.ring.holder();
      if (!holder) return conflict(fmt::format("nobody holds the baton in ring {}", ring));
      if (rs.sender == *holder) return conflict("the holder's send is being written to the journal");
      out.member = seats_.at(*holder).name;
      out.turn = rs.ring.turn();
      what = fmt::format("{} turn {}", out.member, out.turn);
      tell_ring(rs, v1::notice::member_skipped, fmt::format("{} by {}", what, a.who));
      guard(rs);
      skipping_ = true;
      rs.ring.expire(out.turn, effects_);
      apply(rs);
      skipping_ = false;
      break;
    }
    case AdminAction::Kind::kick: {
      const auto n = rs.names.find(a.member);
      if (n == rs.names.end()) {
        out.status = AdminOutcome::Status::no_member;
        out.error = fmt::format("no member {} in ring {}", a.member, ring);
        return out;
      }
      out.member = a.member;
      what = a.member;
      const MemberId id = n->second;
      Seat& seat = seats_.at(id);
      if (!seat.session.empty()) {
        sessions_.erase(seat.session);  // a kicked member can't come back through its session
        seat.session.clear();
      }
      tell_ring(rs, v1::notice::member_kicked, fmt::format("{} by {}", what, a.who));
      if (Participant* p = seat.p) {
        p->fail(v1::code::kicked, fmt::format("removed from ring {} by {}", ring, a.who), Closed::kicked);
      } else {
        vacate(id, true);
      }
      break;
    }
    case AdminAction::Kind::pause:
      if (rs.ring.paused_by(PauseBy::admin)) return conflict(fmt::format("ring {} is already paused", ring));
      rs.ring.pause(PauseBy::admin);
      tell_ring(rs, v1::notice::ring_paused, fmt::format("no grants until it is resumed; by {}", a.who));
      break;
    case AdminAction::Kind::resume:
      if (!rs.ring.paused_by(PauseBy::admin)) return conflict(fmt::format("ring {} is not paused", ring));
      tell_ring(rs, v1::notice::ring_resumed, fmt::format("by {}", a.who));
      guard(rs);
      rs.ring.unpause(PauseBy::admin, effects_);
      apply(rs);
      break;
    case AdminAction::Kind::set:
      if (a.turn_timeout) rs.turn_timeout = *a.turn_timeout;
      if (a.min_members) {
        guard(rs);
        rs.ring.set_min_members(*a.min_members, effects_);
        apply(rs);
        refresh_waiting(rs);
      }
      what = fmt::format("turn_timeout_ms={} min_members={}", rs.turn_timeout.count(), rs.ring.min_members());
      tell_ring(rs, v1::notice::ring_changed, fmt::format("{} by {}", what, a.who));
      break;
    case AdminAction::Kind::drain:
      if (rs.draining) return conflict(fmt::format("ring {} is already draining", ring));
      rs.draining = true;
      tell_ring(rs, v1::notice::ring_draining, fmt::format("no new members; it closes when empty; by {}", a.who));
      break;
  }
  stats_.admin.add();
  log_.info(fmt::format("admin {}: {} in ring {}{}{}", a.who, action_name(a.kind), ring, what.empty() ? "" : ": ", what));
  // A kick may have emptied the ring, which is then deleted: rs is gone.
  if (const auto still = rings_.find(std::string(ring)); still != rings_.end()) {
    out.turn_timeout_ms = still->second->turn_timeout.count();
    out.min_members = still->second->ring.min_members();
    record(*still->second, RingEvent::Kind::admin, still->second->ring.turn(), a.who,
           what.empty() ? std::string(action_name(a.kind)) : fmt::format("{} {}", action_name(a.kind), what));
    touch(*still->second);
    close_if_drained(*still->second);
  }
  return out;
}

void Hub::close_if_drained(RingState& rs) {
  // A drained ring closes when its last member left: its watchers go with it.
  if (!rs.draining || rs.ring.size() != 0 || rs.watchers.empty()) return;
  auto watchers = rs.watchers;
  for (Participant* w : watchers)
    w->fail(v1::code::ring_draining, fmt::format("ring {} was drained and is closed", rs.name), Closed::kicked);
}

}  // namespace baton

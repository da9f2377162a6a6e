// What a member may ask besides a send: to pass its turn (PASS/RELEASE),
// and, in a lock ring, for the baton (ACQUIRE); and the refusal of a request
// for a turn that is not the asker's (the fencing rule, one funnel).
#include <fmt/format.h>

#include "core/hub.hpp"
#include "core/hub_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {

void Hub::pass(Participant& p, std::uint64_t turn) {
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) {
    p.fail(v1::code::not_a_member, "not a member of a ring");
    return;
  }
  RingState& rs = *seat->second.rs;
  auto verdict = rs.ring.check(seat->first, turn);
  if (verdict == Ring::Verdict::accepted && rs.sender != 0) verdict = Ring::Verdict::stale_turn;  // already sent
  if (verdict != Ring::Verdict::accepted) {
    if (verdict == Ring::Verdict::stale_turn && seat->second.revoked_turn == turn) {
      seat->second.revoked_turn = 0;  // crossed its REVOKED, as a SEND may
      return;
    }
    refuse(p, verdict, turn, rs.ring.turn());
    return;
  }
  // Nothing to make durable: the turn number's reservation already is.
  const auto now = config_.now();
  stats_.hold.observe(now - rs.granted_at);
  rs.sent_at = now;
  accept(rs, seat->first, seat->second, turn, nullptr);
}

void Hub::acquire(Participant& p) {
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) {
    p.fail(v1::code::not_a_member, "not a member of a ring");
    return;
  }
  RingState& rs = *seat->second.rs;
  if (rs.ring.mode() != RingPolicy::lock) {
    p.fail(v1::code::wrong_mode, fmt::format("ring {} takes turns by rotation; ACQUIRE is for lock rings", rs.name));
    return;
  }
  guard(rs);
  rs.ring.acquire(seat->first, effects_);
  apply(rs);
  touch(rs);
}

void Hub::refuse(Participant& p, Ring::Verdict v, std::uint64_t turn, std::uint64_t current) {
  switch (v) {
    case Ring::Verdict::not_your_turn:
      p.fail(v1::code::not_your_turn, fmt::format("turn {} is not yours", turn));
      return;
    case Ring::Verdict::stale_turn:
      p.fail(v1::code::stale_turn, fmt::format("turn {} is not the current turn {}", turn, current));
      return;
    case Ring::Verdict::not_a_member:
      p.fail(v1::code::not_a_member, "not a member of this ring");
      return;
    case Ring::Verdict::accepted:
      return;
  }
}

}  // namespace baton

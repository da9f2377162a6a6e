// What the admin API shows of a ring (docs/ADMIN.md): plain values copied out
// of the hub on its shard's thread, then rendered on another. Pure data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/participant.hpp"

namespace baton {

struct RingEvent {
  // passed: a PASS/RELEASE; detached/resumed: a seat's connection dropped / was
  // taken back; admin: an administrator's action (name: who, payload: what).
  enum class Kind : std::uint8_t { joined, left, sent, revoked, holder_left, passed, detached, resumed, admin };
  std::uint64_t seq = 0;   // per ring, from 1: the order of its events
  std::uint64_t turn = 0;  // the turn it belongs to (joined/left: the ring's turn then)
  Kind kind = Kind::joined;
  std::string name;
  std::string payload;     // sent: at most kHistoryPayloadBytes of it
  bool truncated = false;  // the payload was longer
  std::uint64_t at_ms = 0; // wall clock
};

inline constexpr const char* kind_name(RingEvent::Kind k) {
  switch (k) {
    case RingEvent::Kind::joined: return "joined";
    case RingEvent::Kind::left: return "left";
    case RingEvent::Kind::sent: return "sent";
    case RingEvent::Kind::revoked: return "revoked";
    case RingEvent::Kind::holder_left: return "holder_left";
    case RingEvent::Kind::passed: return "passed";
    case RingEvent::Kind::detached: return "detached";
    case RingEvent::Kind::resumed: return "resumed";
    case RingEvent::Kind::admin: return "admin";
  }
  return "?";
}

struct RingSummary {
  // paused: by an administrator; draining: no new members, closes when empty.
  enum class State : std::uint8_t { waiting, running, idle, stalled, paused, draining };
  std::string name;
  std::size_t members = 0;  // queued, holder and suspended
  std::size_t watchers = 0;
  std::size_t queue = 0;    // waiting for the baton
  std::optional<std::string> holder;
  std::uint64_t turn = 0;
  std::optional<std::int64_t> turn_left_ms;
  std::uint64_t grants = 0;
  State state = State::waiting;
};

inline constexpr const char* state_name(RingSummary::State s) {
  switch (s) {
    case RingSummary::State::waiting: return "waiting";
    case RingSummary::State::running: return "running";
    case RingSummary::State::idle: return "idle";
    case RingSummary::State::stalled: return "stalled";
    case RingSummary::State::paused: return "paused";
    case RingSummary::State::draining: return "draining";
  }
  return "?";
}

struct MemberView {
  enum class State : std::uint8_t { holder, queued, suspended, idle };
  std::string name;
  std::optional<std::uint64_t> position;  // 0 holder, 1 next, ...; none while suspended or idle
  State state = State::queued;
  Wire wire = Wire::v1;
  bool detached = false;  // its connection dropped; the seat is kept for --resume-grace
};

struct RingDetail {
  RingSummary summary;
  std::size_t min_members = 0;
  std::int64_t turn_timeout_ms = 0;
  bool lock = false;      // a lock ring (else rotation)
  bool paused = false;    // by an administrator
  bool draining = false;
  std::vector<MemberView> members;  // holder, queue, then suspended
  std::vector<RingEvent> events;    // oldest first
};

// What a shard's hub changed since the last take (the live feed, /events).
struct FeedBatch {
  std::vector<RingSummary> rings;  // each changed ring's state now
  struct Events {
    std::string ring;
    std::vector<RingEvent> events;  // by seq; a jump in seq is a gap (the history was overrun)
  };
  std::vector<Events> events;      // rings with a stream of their own: their new events
  std::vector<std::string> gone;   // rings deleted
};

}  // namespace baton

// The hub's per-ring state, shared by the files that implement Hub (not part
// of its interface). Thread: the owning shard's only.
#pragma once

#include <boost/intrusive/list.hpp>

#include <map>

#include "core/hub.hpp"
#include "core/ring_history.hpp"
#include "core/send_backlog.hpp"

namespace baton {

namespace bi = boost::intrusive;
using TimerHook = bi::list_member_hook<bi::link_mode<bi::auto_unlink>>;

struct Hub::RingState {
  RingState(std::string n, std::size_t min_members, std::uint64_t last_turn, std::size_t history_size,
            std::chrono::milliseconds timeout)
      : name(std::move(n)), ring(min_members, last_turn), born_turn(last_turn), turn_timeout(timeout),
        history(history_size) {}
  std::string name;
  Ring ring;
  std::uint64_t born_turn;   // numbers at or below it belong to an earlier life of the ring (or none)
  std::chrono::milliseconds turn_timeout;  // --turn-timeout, or what an administrator set
  bool draining = false;     // an administrator drains it: no new joins, closed when empty
  std::uint64_t last_send_turn = 0;
  std::unique_ptr<SendBacklog> backlog;  // from its first HELLO 2 watcher on
  std::unordered_map<std::string, MemberId> names;  // member names (v1 and legacy), unique per ring
  std::vector<Participant*> watchers;
  Clock::time_point deadline = Clock::time_point::max();  // when the current holder loses the baton
  TimerHook timer;  // linked while a deadline is armed; unlinks itself when the ring goes
  // The holder's send, accepted but not yet durable (with a journal only).
  bool staged = false;   // in staged_: commit() takes it
  bool stalled = false;  // in stalled_: the journal failed; retried by expire_due()
  MemberId sender = 0;   // 0: no send pending (or its sender left)
  std::uint64_t pending_turn = 0;
  std::string pending;   // its payload; the capacity stays for the next one

  // --- observability (docs/ADMIN.md) ---
  std::uint64_t grants = 0;
  Clock::time_point granted_at{};  // the current turn's grant: hold time
  Clock::time_point sent_at{};     // the holder's send read: hand-off latency
  RingHistory history;
  RingGauges* exported = nullptr;  // --metrics-ring
  bool waiting_counted = false;    // counted in HubStats::waiting
  bool feed_dirty = false;         // in Hub::changed_: the live feed takes it
  int streams = 0;                 // /events?ring= streams of this ring
  std::uint64_t fed_seq = 0;       // its last history event the feed took
};

// All deadlines in one list share a timeout and are armed at a rising "now",
// so each list is sorted by deadline: arming is a push_back, expiry looks at
// the front, and a ring re-armed moves to the back. No scan, no heap.
using TimerList = bi::list<Hub::RingState, bi::member_hook<Hub::RingState, TimerHook, &Hub::RingState::timer>,
                           bi::constant_time_size<false>>;

struct Hub::Timers {
  // v1 and legacy holders, one list per turn timeout in use (--turn-timeout,
  // and those an administrator set on single rings): each list stays sorted.
  std::map<std::chrono::milliseconds, TimerList> turn;
  TimerList legacy;  // legacy holders when there is no turn timeout: --idle-timeout
};

}  // namespace baton

// The turn policy of one shard, without sockets or clocks of its own: which
// rings exist, who is in them under which name, who is told what and in which
// order, when a holder is revoked, how turn numbers are chosen, and how sends
// reach the journal before anyone hears of them. The shard feeds it what its
// sessions read and the passing of time; the simulator does the same with
// fakes (tests/sim).
//
// Ordering promises (each one tested in tests/unit/hub_test.cpp):
//  - in the sender's own stream the ACK precedes anything its send causes;
//  - the next holder is delivered to before the sender and the watchers;
//  - a send is acked, logged and relayed only once the journal holds it:
//    with a journal, sends are staged and commit() (end of the event-loop
//    pass) makes them durable together, then applies them;
//  - a turn number is only granted once a reservation covering it is durable.
//
// Thread: one hub per shard, used by that shard's thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/hub_stats.hpp"
#include "core/journal_port.hpp"
#include "core/participant.hpp"
#include "core/ring.hpp"
#include "core/ring_view.hpp"

namespace baton {

struct HubConfig {
  using Clock = std::chrono::steady_clock;
  std::size_t min_members = 2;
  std::chrono::milliseconds turn_timeout{30000};  // 0: a v1 holder keeps the baton as long as it lives
  // A legacy holder can't be pinged: with no turn timeout, this much silence
  // while holding the baton drops it (the server's idle timeout). 0: never.
  std::chrono::milliseconds legacy_silence{20000};
  std::chrono::milliseconds heartbeat{10000};      // told in WELCOME
  std::chrono::milliseconds journal_retry{200};    // a stalled journal is tried again this often
  bool log_turns = true;                           // the seed's "NAME sent: PAYLOAD" line per turn
  // First turn of a ring new to this process: above the wall clock in
  // microseconds (numbers then rise across restarts even without a journal),
  // or, when false, above the journal's floor only (1 on a fresh server).
  bool turns_from_clock = true;
  // Quotas: a HELLO over one gets QUOTA. Rings are counted server-wide in
  // rings_in_use, shared by every shard's hub and touched only when a ring
  // is created or deleted (null: this hub counts alone).
  std::size_t max_members_per_ring = SIZE_MAX;
  std::size_t max_watchers_per_ring = SIZE_MAX;
  std::size_t max_rings = SIZE_MAX;
  std::atomic<std::size_t>* rings_in_use = nullptr;
  std::size_t history = 16;  // events kept per ring for the admin API (--ring-history); 0: none
  // --metrics-ring: the gauges of a ring exported by name, or null. Asked
  // once per ring created, never per turn.
  std::function<RingGauges*(const std::string&)> exported;
  // Sessions (docs/PROTOCOL.md, "Resuming a seat"): how long a HELLO 2
  // member's seat outlives its connection (0: not at all), and each ring's
  // backlog for watchers that resume (kept from its first HELLO 2 watcher on).
  std::chrono::milliseconds resume_grace{5000};
  std::size_t watch_backlog = 256;
  std::size_t watch_backlog_bytes = 64 * 1024;
  // n random lowercase hex digits for session ids and secrets (empty: OpenSSL's RNG).
  std::function<std::string(std::size_t)> random_hex;
  // A resume with a wrong secret, from this peer ("address:port"): the
  // server counts it as a failed credential for the address.
  std::function<void(const std::string& peer)> on_bad_secret;
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  std::function<std::uint64_t()> wall_micros;  // empty: the system clock
};

// An administrator's action on one ring (docs/ADMIN.md, "Actions").
struct AdminAction {
  enum class Kind : std::uint8_t { skip, kick, pause, resume, set, drain } kind = Kind::skip;
  std::string member;                                // kick
  std::optional<std::chrono::milliseconds> turn_timeout;  // set
  std::optional<std::size_t> min_members;                 // set
  std::string who;                                   // the credential's label, or admin@address:port
};
struct AdminOutcome {
  enum class Status : std::uint8_t { ok, no_ring, no_member, conflict } status = Status::ok;
  std::string error;        // why, unless ok
  std::string member;       // skip, kick
  std::uint64_t turn = 0;   // skip: the revoked turn
  std::int64_t turn_timeout_ms = 0;  // set: the ring's values after it
  std::size_t min_members = 0;
};
inline constexpr const char* action_name(AdminAction::Kind k) {
  switch (k) {
    case AdminAction::Kind::skip: return "skip";
    case AdminAction::Kind::kick: return "kick";
    case AdminAction::Kind::pause: return "pause";
    case AdminAction::Kind::resume: return "resume";
    case AdminAction::Kind::set: return "set";
    case AdminAction::Kind::drain: return "drain";
  }
  return "?";
}

// What the hub reports; the server logs it.
class HubLog {
 public:
  virtual void info(std::string_view line) = 0;
  virtual void warn(std::string_view line) = 0;
  virtual void turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) = 0;

 protected:
  ~HubLog() = default;
};

class Hub {
 public:
  using Clock = HubConfig::Clock;

  // journal: null without --journal. floor: no turn number at or below it is
  // ever granted (the journal's recovered floor).
  Hub(HubConfig config, HubLog& log, JournalPort* journal, std::uint64_t floor);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // A participant whose handshake is done joins its ring (NAME_TAKEN if a
  // live member of that ring has its name). It must stay valid until leave().
  void enter(Participant& p);
  // A member's SEND naming `turn` (legacy: 0, the current turn).
  void submit(Participant& p, std::uint64_t turn, std::string_view payload);
  // The holder gives up its turn without sending (PASS/RELEASE <turn>).
  void pass(Participant& p, std::uint64_t turn);
  // Lock rings: the member asks for the baton (ACQUIRE).
  void acquire(Participant& p);
  // A suspended (revoked) member was heard from.
  void resume(Participant& p);
  // The participant leaves its ring; idempotent. After it, the hub never
  // touches p again.
  void leave(Participant& p);
  // The connection ended without a goodbye (cut, reset, idle): a HELLO 2
  // member's seat is kept for resume_grace without it; anyone else leaves.
  // After it, the hub never touches p again.
  void drop(Participant& p);
  // An administrator's action (docs/ADMIN.md).
  AdminOutcome act(std::string_view ring, const AdminAction& action);
  // The last accepted turn of a member name in a ring, remembered when its
  // seat ended (and, with a journal, read back at start): told in SESSION.
  void remember(std::string_view ring, std::string_view name, std::uint64_t turn);

  // Sends staged and waiting for commit() (only with a journal).
  bool commit_due() const noexcept { return !staged_.empty(); }
  // End of an event-loop pass: one write + sync covers every staged send;
  // then they are applied. If the journal fails, their rings stall (NOTICE)
  // and are tried again by expire_due().
  void commit();
  // Revokes holders whose deadline passed, drops legacy holders that never
  // answered, retries a stalled journal.
  void expire_due();
  // When expire_due() has something to do next (max(): nothing armed).
  Clock::time_point next_deadline() const;

  std::size_t ring_count() const noexcept { return rings_.size(); }
  std::size_t seated() const noexcept { return seats_.size(); }
  // Current (or last) turn of a ring; 0 if the ring does not exist.
  std::uint64_t turn_of(std::string_view ring) const;

  // --- observability (docs/ADMIN.md); bounded work whatever the ring count ---
  const HubStats& stats() const noexcept { return stats_; }
  // While a send's consequences are delivered: when that send was read
  // (the start of a hand-off); nullopt for grants with another cause.
  std::optional<Clock::time_point> handoff_since() const noexcept { return handoff_since_; }
  // Up to `limit` rings in name order, after `after` (exclusive; "" = from the first).
  std::vector<RingSummary> list_rings(std::string_view after, std::size_t limit) const;
  std::optional<RingDetail> ring_detail(std::string_view name) const;
  // Events of a ring after turn `after` that the history still holds, and
  // whether it holds all of them (false: some were overwritten).
  // *last_seq: the ring's newest event's seq (0: none).
  std::vector<RingEvent> events_after(std::string_view name, std::uint64_t after, bool* complete,
                                      std::uint64_t* last_seq) const;
  // The live feed: while on (all rings) or while a ring has streams, its
  // changes are collected for take_changes(); nothing is collected otherwise.
  void feed_all(bool on);
  void feed_ring(const std::string& name, int delta);  // a stream of that ring opened (+1) or closed (-1)
  bool feed_pending() const noexcept { return !changed_.empty() || !gone_.empty() || !parting_.empty(); }
  // What changed since the last take, at most max_rings rings (the rest wait).
  FeedBatch take_changes(std::size_t max_rings);

  struct RingState;

 private:
  struct Seat {
    Participant* p = nullptr;  // null while detached (its connection dropped, the seat kept)
    RingState* rs = nullptr;
    std::string name;
    Wire wire = Wire::v1;
    std::uint64_t revoked_turn = 0;  // forgiven once: a SEND crossing its REVOKED
    std::uint64_t last_turn = 0;     // its last accepted send or pass
    std::string session;             // "" : none (HELLO 1, legacy, watchers)
    std::string secret;
    Clock::time_point detached_until = Clock::time_point::max();
  };
  struct Detached {
    Clock::time_point until;
    MemberId seat;
  };
  struct Deferred {
    enum class Kind : std::uint8_t { commit_first, drop_legacy } kind;
    MemberId member;
    std::uint64_t turn;
  };

  RingState& ring_named(const std::string& name);
  // Sessions (core/hub_sessions.cpp).
  bool try_resume(Participant& p);  // true if it was handled: resumed, or refused
  void open_session(Participant& p, Seat& seat);
  void replay(Participant& p, RingState& rs);
  void expire_seats(Clock::time_point now);
  void vacate(MemberId id, bool holder_left_cleanly);
  std::uint64_t remembered(std::string_view ring, std::string_view name) const;
  bool set_mode(RingState& rs, RingPolicy mode);
  void tell_state(Participant& p, RingState& rs, MemberId id);
  void close_if_drained(RingState& rs);
  // The accepted end of a turn: a send (payload) or a pass (none).
  void accept(RingState& rs, MemberId id, Seat& seat, std::uint64_t turn, const std::string_view* payload);
  // What a member hears of its ring's state when it (re)joins: stalled, draining, paused.
  void tell_conditions(Participant& p, const RingState& rs);
  // Why who can't enter its ring now (a quota), or nullopt. Counts a new ring.
  std::optional<std::string> over_quota(const Identity& who);
  void maybe_retire(RingState& rs);
  bool reserve_for(RingState& rs);
  // Before anything that may grant: true if the next number is reserved;
  // otherwise the ring is paused and stalled until a reservation succeeds.
  bool guard(RingState& rs);
  void stage_pending(RingState& rs);  // hands its pending send to the journal's batch
  void apply_pending(RingState& rs);
  void tell_ring(RingState& rs, std::string_view code, std::string_view text);
  void apply(RingState& rs);
  void deliver(RingState& rs, const Effect& e, Seat& seat);
  void run_deferred();
  void arm(RingState& rs, const Participant* holder, Clock::time_point now);
  void stall(RingState& rs);
  void retry_stalled();
  void refuse(Participant& p, Ring::Verdict v, std::uint64_t turn, std::uint64_t current);
  // Observability, off the ordering logic: history, the waiting gauge, the feed.
  void record(RingState& rs, RingEvent::Kind kind, std::uint64_t turn, std::string_view name,
              std::string_view payload = {});
  void refresh_waiting(RingState& rs);
  void touch(RingState& rs);
  RingSummary summarize(const RingState& rs) const;

  HubConfig config_;
  HubLog& log_;
  JournalPort* journal_;
  std::uint64_t floor_;     // every number granted on this shard so far is at or below max(floor_, live rings)
  std::uint64_t reserved_;  // the journal's durable reservation: numbers up to it may be granted
  std::unordered_map<std::string, std::unique_ptr<RingState>> rings_;
  std::unordered_map<MemberId, Seat> seats_;
  std::unordered_map<std::string, MemberId> sessions_;  // session id -> seat
  std::deque<Detached> detached_;  // in order of `until` (one grace for all); stale entries skipped
  std::unordered_map<std::string, std::uint64_t> remembered_;  // "ring/name" -> last accepted turn
  std::deque<std::string> remembered_order_;                   // oldest first, for the bound
  bool skipping_ = false;  // an administrator's skip: the revoke is not a timeout
  struct Timers;
  std::unique_ptr<Timers> timers_;
  std::vector<RingState*> staged_;   // rings with a send waiting for commit()
  std::vector<RingState*> committing_;  // staged_'s twin during commit(): both keep their capacity
  std::vector<RingState*> stalled_;  // rings whose journal write failed
  Clock::time_point retry_at_ = Clock::time_point::max();
  Effects effects_;
  std::vector<Deferred> deferred_;
  bool applying_ = false;

  HubStats stats_;
  std::optional<Clock::time_point> handoff_since_;
  std::map<std::string_view, RingState*> by_name_;  // rings_ in name order, for paging (keys view RingState::name)
  bool feed_all_ = false;
  std::unordered_map<std::string, int> streams_;  // /events?ring= streams per ring name, existing or not
  std::vector<RingState*> changed_;               // rings with feed_dirty set
  std::vector<std::string> gone_;                 // rings deleted while the feed was on
  std::vector<FeedBatch::Events> parting_;        // their events the feed had not taken yet
};

}  // namespace baton

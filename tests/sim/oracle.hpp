// The invariants, judged only from what participants were told, the fake
// journal's durable contents and the fake clocks; the hub's insides are never
// looked at (ring_count() and commit_due() aside). Some are checked as each
// message is delivered (their order matters), the rest after every step.
// docs/ARCHITECTURE.md ("Deterministic simulation") lists them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim_journal.hpp"
#include "sim_participant.hpp"
#include "sim_types.hpp"

namespace baton::sim {

class Oracle {
 public:
  Oracle(const SimSettings& settings, const SimClock& clock, const SimJournal* journal);

  void fail(std::string tag, std::string detail);  // the first one is kept
  // How often something happened: shows what a run exercised.
  void count(const std::string& what) { ++tally_[what]; }
  const std::map<std::string, std::uint64_t>& tally() const { return tally_; }
  bool failed() const { return violation_.has_value(); }
  const Violation& violation() const { return *violation_; }

  // As each message is delivered.
  void welcomed(SimParticipant& p);
  void granted(SimParticipant& p, std::uint64_t turn);
  void granted_implicitly(SimParticipant& p, const std::string& payload);
  void acked(SimParticipant& p, std::uint64_t turn);
  void event(SimParticipant& w, std::uint64_t turn, std::string_view name, std::string_view payload);
  void revoked(SimParticipant& p, std::uint64_t turn);
  void queued(SimParticipant& p, std::uint64_t position);

  // The process restarted. Numbers must keep rising across it only when
  // something guarantees it (a journal, or a wall clock ahead of them all).
  void restarted(bool numbers_carry_over);
  std::uint64_t highest_granted() const;

  // After every step. `live`: this life's connected participants.
  // `committed`: the step ended an event-loop pass (Hub::commit ran).
  void check(const std::vector<SimParticipant*>& live, const Hub& hub, bool committed);

 private:
  struct Acked {
    std::uint64_t turn;
    std::string name;
    std::string payload;
  };
  struct RingView {
    std::uint64_t high_water = 0;  // the highest number granted under this name
    std::uint64_t grants = 0;      // grants seen in this life
    bool started = false;          // granted since it last had no members (this life)
    std::vector<Acked> acks;       // every acked send, in order (watchers must see these)
    std::size_t acks_at_restart = 0;
  };

  RingView& ring(const SimParticipant& p) { return rings_[p.who().ring]; }
  void number_granted(SimParticipant& p, RingView& r, std::uint64_t turn);
  // The journal can be written and has been for one retry period: no ring
  // may still be stalled.
  bool journal_settled() const;
  void check_ring(const std::string& name, RingView& r, const std::vector<SimParticipant*>& members);
  void check_deadlines(const std::vector<SimParticipant*>& live, bool committed);

  const SimSettings& settings_;
  const SimClock& clock_;
  const SimJournal* journal_;
  std::map<std::string, RingView> rings_;
  std::set<std::pair<std::string, std::uint64_t>> acked_;
  std::uint64_t total_acks_ = 0;
  std::vector<SimParticipant*> queued_this_step_;
  std::optional<Violation> violation_;
  std::map<std::string, std::uint64_t> tally_;
};

}  // namespace baton::sim

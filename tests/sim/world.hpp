// The simulated shard: the real Hub, fake participants, fake clocks, a fake
// journal, and the oracle watching them. One action at a time; after each,
// every invariant is checked.
#pragma once

#include <memory>
#include <ostream>
#include <unordered_map>
#include <vector>

#include "action.hpp"
#include "oracle.hpp"
#include "sim_journal.hpp"
#include "sim_participant.hpp"

namespace baton::sim {

class World {
 public:
  World(const SimSettings& settings, std::ostream* trace);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  void step(const Action& a);
  bool failed() const { return oracle_.failed(); }
  const Violation& violation() const { return oracle_.violation(); }
  const Oracle& oracle() const { return oracle_; }

  // What the schedule may look at to choose its next action.
  const std::vector<SimParticipant*>& live() const { return live_; }
  const SimJournal* journal() const { return journal_.get(); }
  const SimSettings& settings() const { return settings_; }

 private:
  void join(const Action& a);
  void send(SimParticipant& p, Aim aim);
  void advance(const Action& a);
  void end_pass();
  void restart(const Action& a);
  void build_hub(std::uint64_t floor);
  // The admin API's views of the hub (paging, details, the live feed) agree
  // with each other and with its counters; run at the end of every pass.
  void observe();
  SimParticipant* find(std::uint32_t id);
  bool name_in_use(const std::string& ring, const std::string& name) const;

  SimSettings settings_;
  std::ostream* trace_;
  SimClock clock_;
  std::unique_ptr<SimJournal> journal_;
  Oracle oracle_;
  struct QuietLog;
  std::unique_ptr<QuietLog> log_;
  std::unique_ptr<Hub> hub_;
  std::vector<std::unique_ptr<SimParticipant>> all_;  // kept after they end: a late call to one is caught, not a crash
  std::unordered_map<std::uint32_t, SimParticipant*> by_id_;
  std::vector<SimParticipant*> live_;
};

}  // namespace baton::sim

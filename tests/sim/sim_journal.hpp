// A journal kept in memory, on a disk that can fill up. What commit() and
// reserve() made durable survives a crash; what was only staged does not.
// Its write failures are scripted by the schedule (fail from now on, heal, or
// a pattern for the next few writes), never drawn inside the journal, so a
// trace replays the same failures.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/journal_port.hpp"
#include "sim_types.hpp"

namespace baton::sim {

class SimJournal final : public JournalPort {
 public:
  struct Send {
    std::string ring;
    std::uint64_t turn;
    std::string name;
    std::string payload;
  };

  explicit SimJournal(const SimClock& clock) : clock_(clock) {}

  void stage_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                  std::string_view payload) override {
    staged_.push_back({std::string(ring), turn, std::string(name), std::string(payload)});
  }
  std::size_t staged() const override { return staged_.size(); }
  bool commit() override {
    if (write_fails()) {
      staged_.clear();  // the port's contract: a failed batch counts for nothing
      return false;
    }
    for (Send& s : staged_) {
      auto& [count, index] = copies_[{s.ring, s.turn}];
      ++count;
      index = durable_.size();
      max_sent_ = std::max(max_sent_, s.turn);
      durable_.push_back(std::move(s));
    }
    staged_.clear();
    return true;
  }
  bool reserve(std::uint64_t upto) override {
    if (write_fails()) return false;
    reserved_ = std::max(reserved_, upto);
    return true;
  }

  // The process died: the batch in memory is gone, the "disk" is not.
  void crash() { staged_.clear(); }
  // What recovery hands the next hub: the highest number the journal knows of.
  std::uint64_t floor() const { return std::max(reserved_, max_sent_); }
  std::uint64_t reserved() const { return reserved_; }
  std::size_t copies(const std::string& ring, std::uint64_t turn) const {
    const auto it = copies_.find({ring, turn});
    return it == copies_.end() ? 0 : it->second.first;
  }
  // The latest durable record of that turn, if any.
  const Send* find(const std::string& ring, std::uint64_t turn) const {
    const auto it = copies_.find({ring, turn});
    return it == copies_.end() ? nullptr : &durable_[it->second.second];
  }
  std::size_t durable_sends() const { return durable_.size(); }

  void set_failing(bool on) {
    if (failing_ && !on) healed_at_ = clock_.mono;
    failing_ = on;
  }
  // The next `n` writes fail where `bits` has a 1 (lowest bit first).
  void set_pattern(std::uint32_t bits, int n) {
    pattern_ = bits;
    pattern_left_ = n;
  }
  bool failing() const { return failing_; }
  // Every write from now on succeeds (until the schedule says otherwise).
  bool ok() const {
    const std::uint32_t left = pattern_left_ >= 32 ? ~0u : ((1u << pattern_left_) - 1);
    return !failing_ && (pattern_ & left) == 0;
  }
  // Since when no write has failed (meaningful while ok()).
  Clock::time_point ok_since() const { return std::max(healed_at_, last_failure_); }

 private:
  bool write_fails() {
    bool fails = failing_;
    if (pattern_left_ > 0) {
      fails = fails || (pattern_ & 1u) != 0;
      pattern_ >>= 1;
      --pattern_left_;
    }
    if (fails) last_failure_ = clock_.mono;
    return fails;
  }

  const SimClock& clock_;
  std::vector<Send> staged_;
  std::vector<Send> durable_;
  std::map<std::pair<std::string, std::uint64_t>, std::pair<std::size_t, std::size_t>> copies_;  // count, latest index
  std::uint64_t reserved_ = 0;
  std::uint64_t max_sent_ = 0;
  bool failing_ = false;
  std::uint32_t pattern_ = 0;
  int pattern_left_ = 0;
  Clock::time_point healed_at_{};
  Clock::time_point last_failure_{};
};

}  // namespace baton::sim

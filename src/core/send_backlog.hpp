// A ring's recent sends and passes, kept so that a watcher that reconnects
// with `after=<turn>` gets what it missed (docs/PROTOCOL.md, "Resuming a
// seat"). Bounded by a count and by bytes; what falls out is remembered only
// as the highest turn no longer held, so that the watcher can be told the gap.
// Pure. Thread: its ring's shard only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace baton {

struct BacklogEntry {
  std::uint64_t turn = 0;
  bool passed = false;  // a PASS/RELEASE: no payload
  std::string name;
  std::string payload;
};

class SendBacklog {
 public:
  // gone_upto: the highest turn of a send this backlog can't hold (sends
  // before it was created); 0 if there were none.
  SendBacklog(std::size_t max_entries, std::size_t max_bytes, std::uint64_t gone_upto)
      : max_entries_(max_entries), max_bytes_(max_bytes), gone_upto_(gone_upto) {}

  void push(std::uint64_t turn, bool passed, std::string_view name, std::string_view payload) {
    entries_.push_back({turn, passed, std::string(name), std::string(payload)});
    bytes_ += cost(entries_.back());
    while (!entries_.empty() && (entries_.size() > max_entries_ || bytes_ > max_bytes_)) {
      gone_upto_ = entries_.front().turn;
      bytes_ -= cost(entries_.front());
      entries_.pop_front();
    }
  }

  struct Replay {
    bool gap = false;        // some sends after `after` are no longer held
    std::uint64_t next = 0;  // with gap: the replay starts at this turn
    std::vector<const BacklogEntry*> entries;  // valid until the next push
  };
  Replay since(std::uint64_t after) const {
    Replay r;
    if (gone_upto_ > after) {
      r.gap = true;
      r.next = entries_.empty() ? gone_upto_ + 1 : entries_.front().turn;
    }
    for (const auto& e : entries_)
      if (e.turn > after) r.entries.push_back(&e);
    return r;
  }

  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  static std::size_t cost(const BacklogEntry& e) { return sizeof(BacklogEntry) + e.name.size() + e.payload.size(); }

  std::size_t max_entries_;
  std::size_t max_bytes_;
  std::uint64_t gone_upto_;
  std::size_t bytes_ = 0;
  std::deque<BacklogEntry> entries_;
};

}  // namespace baton

// A ring's last events (docs/ADMIN.md, /rings/NAME), in a fixed circle of
// slots whose strings keep their capacity: recording a turn copies at most
// kHistoryPayloadBytes and allocates nothing once the circle is warm.
// Thread: its ring's shard only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/ring_view.hpp"

namespace baton {

inline constexpr std::size_t kHistoryPayloadBytes = 256;  // of each sent payload, kept for the admin API

class RingHistory {
 public:
  explicit RingHistory(std::size_t capacity) : slots_(capacity) {}

  void push(RingEvent::Kind kind, std::uint64_t turn, std::string_view name, std::string_view payload,
            std::uint64_t at_ms) {
    if (slots_.empty()) return;
    const std::uint64_t seq = ++next_seq_;  // from 1
    RingEvent& e = slots_[(seq - 1) % slots_.size()];
    e.seq = seq;
    e.turn = turn;
    e.kind = kind;
    e.name.assign(name);
    e.truncated = payload.size() > kHistoryPayloadBytes;
    e.payload.assign(payload.substr(0, kHistoryPayloadBytes));
    e.at_ms = at_ms;
  }
  std::uint64_t last_seq() const noexcept { return next_seq_; }
  // The oldest seq still held (last_seq() + 1 when empty).
  std::uint64_t first_seq() const noexcept {
    return next_seq_ > slots_.size() ? next_seq_ - slots_.size() + 1 : 1;
  }
  // Events with seq > after, oldest first.
  std::vector<RingEvent> since(std::uint64_t after) const {
    std::vector<RingEvent> out;
    for (std::uint64_t s = std::max(after + 1, first_seq()); s <= next_seq_; ++s)
      out.push_back(slots_[(s - 1) % slots_.size()]);
    return out;
  }

 private:
  std::vector<RingEvent> slots_;
  std::uint64_t next_seq_ = 0;  // seqs handed out so far
};

}  // namespace baton

// Rings are born on demand and deleted when empty (docs/ARCHITECTURE.md,
// "Rings: born on demand"): where a new ring's numbers start, what a deleted
// ring leaves behind, and the ring and seat quotas checked before a join.
#include <algorithm>

#include <fmt/format.h>

#include "core/hub.hpp"
#include "core/hub_state.hpp"

namespace baton {
namespace {

// Names of rings deleted between two takes of the live feed; past this, a
// flood of short-lived rings only leaves some stale rows on a status page.
constexpr std::size_t kMaxGoneQueued = 4096;

}  // namespace

Hub::RingState& Hub::ring_named(const std::string& name) {
  auto it = rings_.find(name);
  if (it != rings_.end()) return *it->second;
  // A ring new to this process starts above every number this shard granted
  // (rings that were deleted included) and above the journal's floor; by
  // default also above the wall clock in microseconds, which no ring can
  // outrun (a turn is a network round trip), so numbers keep rising across a
  // restart even when no journal remembers them.
  std::uint64_t last = floor_;
  // A clock at the epoch (system_micros() clamps one before it to 0) must not
  // wrap "wall - 1" to the top of the range: the next grant would be turn 0.
  if (const std::uint64_t wall = config_.turns_from_clock ? std::min(config_.wall_micros(), kMaxTurn) : 0; wall > 0)
    last = std::max(last, wall - 1);
  auto rs = std::make_unique<RingState>(name, config_.min_members, last, config_.history, config_.turn_timeout);
  if (config_.exported) rs->exported = config_.exported(name);
  if (const auto s = streams_.find(name); s != streams_.end()) rs->streams = s->second;
  RingState& made = *rings_.emplace(name, std::move(rs)).first->second;
  by_name_.emplace(made.name, &made);
  stats_.rings.add(1);
  return made;
}

void Hub::maybe_retire(RingState& rs) {
  // An empty ring costs nothing: it is deleted, and only its last number is
  // kept (folded into floor_), so that a ring of that name starts above it.
  if (rs.ring.size() != 0 || !rs.watchers.empty() || rs.staged || rs.stalled) return;
  floor_ = std::max(floor_, rs.ring.turn());
  if (rs.waiting_counted) stats_.waiting.add(-1);
  if (rs.feed_dirty) std::erase(changed_, &rs);
  if ((feed_all_ || rs.streams > 0) && gone_.size() < kMaxGoneQueued) {
    // Its streams still get its last events (the leaves that emptied it).
    if (rs.streams > 0 && rs.history.last_seq() > rs.fed_seq)
      parting_.push_back({rs.name, rs.history.since(rs.fed_seq)});
    gone_.push_back(rs.name);
  }
  if (rs.exported) {
    rs.exported->members.set(0);
    rs.exported->watchers.set(0);
  }
  stats_.rings.add(-1);
  by_name_.erase(rs.name);
  rings_.erase(rings_.find(rs.name));
  if (config_.rings_in_use) config_.rings_in_use->fetch_sub(1, std::memory_order_relaxed);
}

std::optional<std::string> Hub::over_quota(const Identity& who) {
  const auto it = rings_.find(who.ring);
  if (it == rings_.end()) {
    // Reserve before creating: two shards racing for the last ring can't both win.
    const std::size_t in_use = config_.rings_in_use ? config_.rings_in_use->fetch_add(1, std::memory_order_relaxed)
                                                    : rings_.size();
    if (in_use < config_.max_rings) return std::nullopt;
    if (config_.rings_in_use) config_.rings_in_use->fetch_sub(1, std::memory_order_relaxed);
    return fmt::format("at most {} rings on this server (--max-rings)", config_.max_rings);
  }
  const RingState& rs = *it->second;
  if (who.watcher && rs.watchers.size() >= config_.max_watchers_per_ring)
    return fmt::format("at most {} watchers in ring {} (--max-watchers-per-ring)", config_.max_watchers_per_ring,
                       who.ring);
  if (!who.watcher && rs.ring.size() >= config_.max_members_per_ring)
    return fmt::format("at most {} members in ring {} (--max-members-per-ring)", config_.max_members_per_ring,
                       who.ring);
  return std::nullopt;
}

std::uint64_t Hub::turn_of(std::string_view ring) const {
  const auto it = rings_.find(std::string(ring));
  return it == rings_.end() ? 0 : it->second->ring.turn();
}

}  // namespace baton

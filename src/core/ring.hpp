// The turn state machine of one ring: who is a member, who holds the baton,
// which turn number is current, and what each member must be told.
//
// Pure logic: no sockets, no clocks, no threads. Every call appends what must
// be pushed to members (grants, revokes, queue positions) to an Effects list;
// the caller delivers them. Timers live outside: the caller calls expire()
// with the turn it armed a deadline for.
// Thread: one ring is used by one thread (its shard's) only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace baton {

using MemberId = std::uint64_t;

// rotation: the baton goes round in join order. lock: it goes to whoever
// asked for it (acquire), in the order of the requests (a fair lock).
enum class RingPolicy : std::uint8_t { rotation, lock };
// Why a ring grants nothing; each cause is lifted on its own.
enum class PauseBy : std::uint8_t { journal = 1, admin = 2 };

struct Effect {
  enum class Kind : std::uint8_t {
    grant,   // member now holds the baton; value = turn number
    revoke,  // member lost the baton to the turn timeout; value = the revoked turn.
             // It is suspended: not granted again until resume(id).
    queue,   // member's place in the queue; value = position (1 = next). Pushed
             // when it joins or goes to the back, and on every change while it is
             // within the first kPushedPositions; further back, only on those two
             // (a waiting member's place only ever improves, so the last one it
             // heard is an upper bound). Keeps a turn O(1) in the ring's size.
  };
  Kind kind;
  MemberId member;
  std::uint64_t value;
};
using Effects = std::vector<Effect>;

class Ring {
 public:
  // Places kept current on every change: the cost of a turn is this many
  // QUEUE pushes at most, however many wait.
  static constexpr std::uint64_t kPushedPositions = 8;
  enum class Verdict { accepted, not_your_turn, stale_turn, not_a_member };

  // last_turn: the highest turn number ever used by this ring (from the
  // journal after a restart), so numbers are never reused.
  explicit Ring(std::size_t min_members, std::uint64_t last_turn = 0, RingPolicy mode = RingPolicy::rotation)
      : min_members_(min_members == 0 ? 1 : min_members), turn_(last_turn), mode_(mode) {}

  RingPolicy mode() const noexcept { return mode_; }
  // Rotation: a new member goes to the back of the queue; the first grant
  // waits until min_members have joined, after that the ring runs while
  // anyone is in it. Lock: a new member is idle until it acquires.
  void join(MemberId id, Effects& out);
  enum class Acquired { queued, already_queued, holding, not_a_member };
  // Lock rings: an idle member asks for the baton and is queued behind the
  // requests before it (granted at once if nobody holds it). Already queued:
  // its position is pushed again. Rotation rings: not_a_member.
  Acquired acquire(MemberId id, Effects& out);
  // Lock rings: a waiter whose connection dropped leaves the queue (not the
  // ring) at once, so that a dead waiter never gets the baton. Not the holder.
  void dequeue(MemberId id, Effects& out);
  // The member leaves; if it held the baton, the next member is granted at once.
  void leave(MemberId id, Effects& out);
  // The member sends (or passes) naming `turn`. Accepted only from the
  // holder naming the current turn; then the holder goes to the back
  // (rotation) or idle (lock) and the next is granted.
  Verdict submit(MemberId id, std::uint64_t turn, Effects& out);
  // What submit() would answer, without changing anything.
  Verdict check(MemberId id, std::uint64_t turn) const;
  // The deadline armed for `turn` passed (or an administrator skips the
  // holder): if that turn is still current, the holder is revoked and the
  // next is granted. Rotation: the revoked member is suspended, since one
  // that let its turn expire may be gone (stopped, partitioned) and granting
  // it again every round would cost a turn timeout per round. Lock: it is idle.
  void expire(std::uint64_t turn, Effects& out);
  // A suspended member showed it is alive: it goes to the back of the queue.
  // No-op for anyone not suspended, and in lock rings.
  void resume(MemberId id, Effects& out);

  // A paused ring grants nothing: a grant that falls due waits (nobody holds
  // the baton, the front of the queue is next) until every cause is lifted.
  // The hub pauses a ring whose next turn number it can't make durable, and
  // an administrator may pause one.
  void pause(PauseBy by) noexcept { paused_ |= static_cast<std::uint8_t>(by); }
  void unpause(PauseBy by, Effects& out);
  bool paused() const noexcept { return paused_ != 0; }
  bool paused_by(PauseBy by) const noexcept { return (paused_ & static_cast<std::uint8_t>(by)) != 0; }
  // Rotation: a ring not yet started starts at once if it now has enough.
  void set_min_members(std::size_t n, Effects& out);
  std::size_t min_members() const noexcept { return min_members_; }

  std::optional<MemberId> holder() const;
  std::uint64_t turn() const noexcept { return turn_; }  // current (or last) turn number
  std::size_t size() const noexcept { return order_.size() + suspended_.size(); }
  // Holder first (while a turn runs), then the queue in order.
  const std::deque<MemberId>& order() const noexcept { return order_; }
  // Members outside the queue: suspended (rotation) or idle (lock).
  const std::vector<MemberId>& suspended_members() const noexcept { return suspended_; }
  // min_members was reached and the ring has not emptied since.
  bool started() const noexcept { return started_; }
  bool contains(MemberId id) const;
  bool suspended(MemberId id) const;
  // 0 = holds the baton, 1 = next, ...; nullopt if not a member or suspended.
  std::optional<std::uint64_t> position(MemberId id) const;

 private:
  void grant_front(Effects& out);
  // Puts a member at the back of the queue (starting the ring if that is
  // due) and tells it its place, however far back.
  void queue_back(MemberId id, Effects& out);
  // After the holder's turn ended: the front is granted, or nobody holds the baton.
  void grant_next(Effects& out);
  // Grants the front if the ring may run: once started it runs while anyone
  // is queued; before that it waits for min_members.
  void maybe_start(Effects& out);
  // Pushes the position of each member from index `from` on whose place is
  // within kPushedPositions.
  void push_positions(std::size_t from, Effects& out) const;
  std::uint64_t position_at(std::size_t index) const noexcept { return running_ ? index : index + 1; }

  std::size_t min_members_;
  std::uint64_t turn_;
  RingPolicy mode_;
  bool running_ = false;        // a turn is in progress: order_.front() holds the baton
  std::uint8_t paused_ = 0;     // PauseBy bits
  bool started_ = false;        // min_members was reached and the ring has not emptied since
  std::deque<MemberId> order_;  // front = holder while running_, then the queue
  // Rotation: revoked, waiting for a sign of life (few: a linear scan).
  // Lock: idle members, not asking for the baton.
  std::vector<MemberId> suspended_;
};

}  // namespace baton

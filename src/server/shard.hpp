// One executor thread's share of the server: its own io_context, the rings
// whose names hash to it, and the sessions of their members and watchers.
// A ring lives on exactly one shard, so a turn never crosses threads and no
// ring state is locked. (shared_state, in Beast's chat-multi terms.)
//
// Thread: adopt() and drain() may be called from any thread (they post);
// everything else runs on this shard's thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/journal_port.hpp"
#include "core/ring.hpp"
#include "server/asio.hpp"
#include "server/close_reason.hpp"
#include "server/config.hpp"
#include "server/session.hpp"

namespace baton::server {

// A connection whose handshake is done, on its way to the shard of its ring.
struct Handoff {
  int fd = -1;
  bool v6 = false;
  MemberId id = 0;
  Identity who;
  std::string leftover;                     // v1: bytes read after the HELLO line
  std::optional<std::string> legacy_first;  // legacy: its answer to the probe, sent at its first turn
  Slot slot;
};

class Shard {
 public:
  // journal: null without --journal. floor: every ring's numbers continue above it.
  Shard(const ServerConfig& config, std::unique_ptr<JournalPort> journal, std::uint64_t floor);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  asio::io_context& context() noexcept { return ctx_; }
  const ServerConfig& config() const noexcept { return config_; }

  // Thread body: runs the event loop until drain() has finished.
  void run();

  // Any thread: takes over a connection whose handshake is done.
  void adopt(Handoff h);
  // Any thread: SHUTDOWN to every client; stop once they left or drain_timeout passed.
  void drain();
  // Read only after this shard's thread has stopped.
  const ClosedCounts& closed() const { return closed_; }

  // --- called by sessions (shard thread) ---
  void submit(Session& s, std::uint64_t turn, std::string_view payload);
  void resume(Session& s);  // a suspended (revoked) member was heard from
  void leave(Session& s);   // idempotent
  void forget(Session& s);  // the session is closed and done
  void mark_dirty(Session& s) { dirty_.push_back(s.shared_from_this()); }
  void flush_dirty();

 private:
  struct RingState {
    RingState(std::string n, std::size_t min_members, std::uint64_t last_turn)
        : name(std::move(n)), ring(min_members, last_turn) {}
    std::string name;
    Ring ring;
    std::unordered_map<std::string, MemberId> names;  // member names (v1 and legacy), unique per ring
    std::vector<Session*> watchers;
    Clock::time_point deadline = Clock::time_point::max();  // when the current holder loses the baton
  };
  // What apply() found that must wait until its pass over the effects is done.
  struct Deferred {
    enum class Kind : std::uint8_t { commit_first, drop_legacy } kind;
    MemberId member;
    std::uint64_t turn;
  };

  void enter(const std::shared_ptr<Session>& s);
  RingState& ring_named(const std::string& name);
  void apply(RingState& rs);  // delivers effects_ and clears it
  void deliver(RingState& rs, const Effect& e, Session& s);
  void run_deferred();
  Clock::time_point deadline_for(const Session* holder, Clock::time_point now) const;
  asio::awaitable<void> tick_loop();
  void tick(Clock::time_point now, bool sweep);
  void sweep(Clock::time_point now);

  asio::io_context ctx_{1};
  const ServerConfig& config_;
  std::unique_ptr<JournalPort> journal_;
  std::uint64_t floor_;
  std::uint64_t reserved_;  // the journal's reservation: grants above it reserve first
  std::unordered_map<MemberId, std::shared_ptr<Session>> sessions_;
  std::unordered_map<MemberId, RingState*> seat_;  // joined members and watchers
  std::unordered_map<std::string, std::unique_ptr<RingState>> rings_;
  std::vector<std::shared_ptr<Session>> dirty_;
  std::vector<std::shared_ptr<Session>> flushing_;  // dirty_'s twin: both keep their capacity
  Effects effects_;
  std::vector<Deferred> deferred_;
  bool applying_ = false;
  bool draining_ = false;
  Clock::time_point drain_deadline_{};
  ClosedCounts closed_{};
};

}  // namespace baton::server

// One executor thread's share of the server: its own io_context, the rings
// whose names hash to it, and the sessions of their members and watchers.
// A ring lives on exactly one shard, so a turn never crosses threads and no
// ring state is locked. (shared_state, in Beast's chat-multi terms.)
//
// Thread: adopt() and drain() may be called from any thread (they post);
// everything else runs on this shard's thread only.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ring.hpp"
#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/journal.hpp"
#include "server/session.hpp"

namespace baton::server {

class Shard {
 public:
  Shard(const ServerConfig& config, Journal* journal, const TurnHistory& history);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  asio::io_context& context() noexcept { return ctx_; }
  const ServerConfig& config() const noexcept { return config_; }

  // Thread body: runs the event loop until drain() has finished.
  void run();

  // Any thread: takes over a connection whose handshake is done.
  void adopt(int fd, bool v6, MemberId id, Identity who, std::string leftover, Slot slot);
  // Any thread: SHUTDOWN to every client; stop once they left or drain_timeout passed.
  void drain();

  // --- called by sessions (shard thread) ---
  void submit(Session& s, std::uint64_t turn, std::string_view payload);
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
    std::unordered_map<std::string, MemberId> names;  // v1 member names, unique per ring
    std::vector<Session*> watchers;
    Clock::time_point deadline{};  // when the current holder loses the baton
  };

  void enter(const std::shared_ptr<Session>& s);
  RingState& ring_named(const std::string& name);
  void apply(RingState& rs);  // delivers effects_ and clears it
  asio::awaitable<void> tick_loop();
  void tick(Clock::time_point now, bool sweep);

  asio::io_context ctx_{1};
  const ServerConfig& config_;
  Journal* journal_;
  const TurnHistory& history_;
  std::unordered_map<MemberId, std::shared_ptr<Session>> sessions_;
  std::unordered_map<MemberId, RingState*> seat_;  // joined members and watchers
  std::unordered_map<std::string, std::unique_ptr<RingState>> rings_;
  std::vector<std::shared_ptr<Session>> dirty_;
  Effects effects_;
  bool draining_ = false;
  Clock::time_point drain_deadline_{};
};

}  // namespace baton::server

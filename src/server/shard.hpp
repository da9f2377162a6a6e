// One executor thread's share of the server: its own io_context, the rings
// whose names hash to it (their policy lives in core/hub.hpp), and the
// sessions of their members and watchers. A ring lives on exactly one shard,
// so a turn never crosses threads and no ring state is locked.
// (shared_state, in Beast's chat-multi terms.)
//
// Thread: adopt() and drain() may be called from any thread (they post);
// everything else runs on this shard's thread only.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/close_reason.hpp"
#include "core/auth.hpp"
#include "core/hub.hpp"
#include "core/journal_port.hpp"
#include "server/asio.hpp"
#include "server/config.hpp"
#include "server/session.hpp"
#include "server/stats.hpp"
#include "server/tls_context.hpp"

namespace baton::server {

// A connection whose handshake is done, on its way to the shard of its ring.
struct Handoff {
  int fd = -1;
  bool v6 = false;
  SslHandle ssl;  // TLS: the connection's state after its handshake; null: plain
  MemberId id = 0;
  Identity who;
  std::string leftover;                     // v1: bytes read after the HELLO line
  std::optional<std::string> legacy_first;  // legacy: its answer to the probe, sent at its first turn
  Slot slot;
  std::optional<auth::Credential> credential;  // the grant it joined on (--auth-file); checked again on reload
};

// The shard that owns a ring: the listener hands connections there and the
// admin port reads the ring there, so both must use this one rule.
inline std::size_t shard_index(std::string_view ring, std::size_t shards) {
  return std::hash<std::string_view>{}(ring) % shards;
}

class Shard final : private HubLog {
 public:
  // The longest a pipelining member's ACK or QUEUE waits for a line to ride
  // with (mark_lazy). Its next GRANT is usually a round trip away; a member
  // far back in a long ring gets them on their own after this.
  static constexpr auto kLazyFlushMax = std::chrono::milliseconds(2);

  // journal: null without --journal. floor: no number at or below it is granted.
  // rings_in_use: the server-wide ring count of --max-rings, shared by every shard.
  // exported: the gauges of a --metrics-ring ring, or null (asked once per ring created).
  // bad_secret: a resume from this peer ("address:port") named a wrong
  // session secret; called on this shard's thread, it must post onward.
  Shard(const ServerConfig& config, std::unique_ptr<JournalPort> journal, std::uint64_t floor, unsigned shards,
        std::atomic<std::size_t>& rings_in_use, std::function<RingGauges*(const std::string&)> exported = {},
        std::function<void(const std::string&)> bad_secret = {});
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
  // Any thread: a reloaded --auth-file. Sessions whose grant no longer holds
  // are closed with FORBIDDEN; the others carry on.
  void set_auth(std::shared_ptr<const auth::AuthTable> table);
  // Any thread: counters with this shard's thread as their single writer.
  const ShardStats& stats() const noexcept { return stats_; }
  const HubStats& hub_stats() const noexcept { return hub_.stats(); }
  const JournalPort* journal() const noexcept { return journal_.get(); }

  // --- the live feed (/events); any thread: they post ---
  // Where this shard's batches go: called on this shard's thread, it must
  // post onward. Set before run().
  void set_feed_sink(std::function<void(FeedBatch)> sink) { feed_sink_ = std::move(sink); }
  void feed_all(bool on);
  void feed_ring(std::string name, int delta);

  // --- called by sessions (shard thread) ---
  Hub& hub() noexcept { return hub_; }
  ShardStats& stats() noexcept { return stats_; }
  void forget(Session& s);  // the session is closed and done
  void mark_dirty(Session& s) { dirty_.push_back(s.shared_from_this()); }
  // The session's pending lines may wait for its next urgent write, at most
  // kLazyFlushMax: what a pipelining member is sent after its send (ACK,
  // QUEUE) then rides with its next GRANT, one wake-up instead of two.
  void mark_lazy(Session& s);
  // End of a session's work in this pass: writes what was delivered, and
  // schedules the journal's group commit for the end of the pass.
  void flush_dirty();
  // A session's unsent bytes changed by delta; over this shard's share of
  // --max-queued-total, the sessions with the most unsent bytes are dropped.
  void account_queued(std::ptrdiff_t delta) { queued_bytes_ += delta; }

 private:
  void info(std::string_view line) override;
  void warn(std::string_view line) override;
  void turn(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) override;

  void commit();
  void enforce_queued_total();
  asio::awaitable<void> tick_loop();
  void sweep(Clock::time_point now);
  asio::awaitable<void> feed_loop();

  asio::io_context ctx_{1};
  const ServerConfig& config_;
  std::unique_ptr<JournalPort> journal_;
  Hub hub_;
  std::unordered_map<MemberId, std::shared_ptr<Session>> sessions_;
  std::vector<std::shared_ptr<Session>> dirty_;
  std::vector<std::shared_ptr<Session>> flushing_;  // dirty_'s twin: both keep their capacity
  // mark_lazy()'s sessions, oldest first, each with when it must be written.
  std::deque<std::pair<Clock::time_point, std::shared_ptr<Session>>> lazy_;
  Clock::time_point lazy_due() const noexcept { return lazy_.empty() ? Clock::time_point::max() : lazy_.front().first; }
  void flush_lazy(Clock::time_point now);  // writes those that are due
  asio::steady_timer timer_{ctx_};
  Clock::time_point wake_at_ = Clock::time_point::max();  // when tick_loop wakes next
  bool commit_posted_ = false;
  std::ptrdiff_t queued_bytes_ = 0;       // unsent bytes of this shard's sessions
  std::ptrdiff_t queued_budget_bytes_;    // this shard's share of --max-queued-total
  bool draining_ = false;
  Clock::time_point drain_deadline_{};
  ShardStats stats_;
  std::function<void(FeedBatch)> feed_sink_;
  bool feed_all_ = false;
  int feed_streams_ = 0;        // /events?ring= streams of this shard's rings
  bool feed_running_ = false;   // feed_loop is alive
};

}  // namespace baton::server

// One client connection after its handshake, on the shard that owns its ring.
// Reads bytes, decodes them with the connection's codec (v1 or legacy), hands
// each request to the shard, and writes what the shard delivers, coalescing
// everything delivered in one event-loop pass into one write.
// A legacy peer (the seed's client) is sent exactly one GO per turn and
// nothing else: every other delivery is a no-op for it (docs/PROTOCOL.md).
// Thread: everything here runs on the owning shard's thread only.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/auth.hpp"
#include "core/legacy_codec.hpp"
#include "core/participant.hpp"
#include "core/ring.hpp"
#include "core/v1_codec.hpp"
#include "server/asio.hpp"
#include "core/close_reason.hpp"
#include "server/link.hpp"
#include "server/slot.hpp"

namespace baton::server {

class Shard;

// Output buffers bigger than this are freed once empty, so that a burst
// (a watcher catching up) does not stay allocated for the connection's life.
inline constexpr std::size_t kKeepBufferBytes = 16 * 1024;
// SO_SNDBUF of every client connection (the kernel doubles it for its own
// bookkeeping): enough for bursts of EVENTs on a fast link, bounded for 16,384 of them.
inline constexpr int kSocketSendBufferBytes = 64 * 1024;

class Session final : public Participant, public std::enable_shared_from_this<Session> {
 public:
  Session(Shard& shard, Link link, Slot slot, MemberId id, Identity who, std::string leftover,
          std::optional<std::string> legacy_first, std::optional<auth::Credential> credential);

  void start();  // spawns the reader; the shard already registered us

  MemberId id() const noexcept override { return id_; }
  const Identity& who() const noexcept override { return who_; }
  // The --auth-file grant it joined on; none on an open server and for legacy clients.
  const std::optional<auth::Credential>& credential() const noexcept { return credential_; }
  Clock::time_point last_heard() const noexcept { return last_heard_; }
  Clock::time_point last_pinged() const noexcept { return last_pinged_; }
  // Set once fail()/shutdown_notice()/BYE ended the conversation; the shard
  // closes the socket when the peer has not closed within its linger time.
  bool ended() const noexcept override { return ended_; }
  Clock::time_point ended_at() const noexcept { return ended_at_; }
  Closed closed_reason() const noexcept { return reason_; }
  std::size_t kind() const noexcept { return kind_; }  // its baton_connections{wire,role} (server/stats.hpp)
  // Revoked and not yet heard from since: the next bytes it sends resume it.
  void set_suspended(bool on) noexcept override { suspended_ = on; }
  // Legacy: its answer to the probe, to be committed as its first turn's send.
  bool has_legacy_first() const noexcept override { return legacy_first_.has_value(); }
  std::optional<std::string> take_legacy_first() override { return std::exchange(legacy_first_, std::nullopt); }

  // Deliveries append to the output buffer; ready() queues it for flush().
  void deliver_welcome(std::uint64_t heartbeat_ms) override;
  void deliver_grant(std::uint64_t turn, std::uint64_t timeout_ms) override;
  void deliver_queue(std::uint64_t position) override;
  void deliver_revoked(std::uint64_t turn) override;
  void deliver_ack(std::uint64_t turn) override;
  void deliver_event(std::uint64_t turn, std::string_view name, std::string_view payload) override;
  void deliver_notice(std::string_view code, std::string_view text) override;
  void deliver_ping(std::string_view token) override;
  void deliver_session(std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                       std::uint64_t last_turn, bool resumed) override;
  void deliver_passed(std::uint64_t turn, std::string_view name) override;
  void deliver_gap(std::uint64_t after, std::uint64_t next) override;
  void ready() override;
  void ready_lazily() override;
  void flush();
  // Unsent bytes (queued or being written), as last told to the shard.
  std::size_t queued_bytes() const noexcept { return queued_; }
  // Drops a peer that reads too slowly (Closed::slow_consumer), saying why in the log.
  void drop_slow(std::string_view why);

  // The error funnel of this layer: tells the peer why (v1), leaves the ring,
  // half-closes, and discards input until the peer closes or kLinger ends.
  void fail(std::string_view code, std::string_view text, Closed why = Closed::error) override;
  // Server shutdown: SHUTDOWN notice (v1), then half-close.
  void shutdown_notice();
  // Closes the socket now (linger expired, or hard stop).
  void close();

 private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  void on_bytes(std::string_view bytes);
  void on_v1_line(std::string_view line);
  void on_legacy_bytes(std::string_view bytes);
  void half_close();
  void write_out();
  void sync_queued();  // tells the shard how our unsent bytes changed
  void end(Closed why);
  void wrote(std::size_t n);  // counts n bytes written; ends a hand-off whose GRANT they covered

  Shard& shard_;
  Link link_;
  Slot slot_;
  MemberId id_;
  Identity who_;
  std::string leftover_;        // bytes read by the handshake after HELLO
  std::optional<std::string> legacy_first_;
  std::optional<auth::Credential> credential_;
  v1::LineReader lines_;
  legacy::MessageReader legacy_;
  std::string out_;             // delivered, not yet written
  std::string sending_;         // owned by the async write in flight
  bool writing_ = false;
  bool ended_ = false;          // after fail()/shutdown_notice()/BYE: input is discarded
  bool suspended_ = false;
  std::size_t queued_ = 0;
  bool more_coming_ = false;    // the last read filled rbuf_ and the socket holds more
  Closed reason_ = Closed::peer_closed;
  Clock::time_point ended_at_{};
  Clock::time_point last_heard_;
  Clock::time_point last_pinged_{};
  std::size_t kind_;
  // A GRANT that ends a hand-off (the previous holder's send was read at
  // grant_since_) is in out_ up to grant_end_: observed once written.
  std::optional<Clock::time_point> grant_since_;
  std::size_t grant_end_ = 0;
  std::array<char, 1024> rbuf_{};  // per connection, so kept small: 10,000 idle clients must fit 64 MB
};

}  // namespace baton::server

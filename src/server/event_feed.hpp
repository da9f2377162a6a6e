// The admin port's Server-Sent Events (docs/ADMIN.md, /events): streams of
// every ring's state for status pages, and of one ring's events for
// `baton-ctl watch`. Shards collect changes only while a stream is open
// (Shard::feed_all / feed_ring) and post a batch every 100 ms; here each
// batch is encoded once and the same bytes are queued on every stream that
// wants them. A stream more than kMaxStreamQueuedBytes behind is dropped,
// like a slow watcher.
// Thread: shard 0's only (publish() is posted there by the shards).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ring_view.hpp"
#include "server/asio.hpp"
#include "server/stats.hpp"

namespace baton::server {

class StatusSource;

inline constexpr std::size_t kMaxStreamQueuedBytes = 256 * 1024;  // unsent bytes of one stream before it is dropped
inline constexpr std::size_t kSnapshotRings = 200;                // rings in a stream's first snapshot

class EventFeed {
 public:
  EventFeed(asio::io_context& ctx, StatusSource& source, AdminStats& stats);
  // Once, after the shards exist and before they run: their batches come here.
  void connect_shards();
  // Serves one stream on sock until the peer goes. ring: empty for all rings.
  // payloads: may this viewer see the ring's payloads. after: Last-Event-ID.
  asio::awaitable<void> serve(tcp::socket sock, std::string ring, bool payloads, std::optional<std::uint64_t> after);
  // Once a second: the status message to every all-rings stream.
  void tick();

 private:
  struct Stream;
  void publish(std::size_t shard, FeedBatch batch);
  void deliver(Stream& s, std::shared_ptr<const std::string> bytes);
  void deliver_events(Stream& s, const std::vector<RingEvent>& events,
                      const std::vector<std::shared_ptr<const std::string>>& encoded);
  void subscribe(Stream& s);
  void unsubscribe(Stream& s);
  asio::awaitable<void> start_all(Stream& s);
  asio::awaitable<void> start_ring(Stream& s, std::optional<std::uint64_t> after);
  asio::awaitable<void> write_loop(Stream& s);
  asio::awaitable<void> read_until_close(Stream& s);

  asio::io_context& ctx_;
  StatusSource& source_;
  AdminStats& stats_;
  std::vector<std::shared_ptr<Stream>> streams_;
  std::size_t all_streams_ = 0;
};

}  // namespace baton::server

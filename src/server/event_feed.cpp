#include "server/event_feed.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "server/admin_json.hpp"
#include "server/on_shard.hpp"
#include "server/shard.hpp"
#include "server/status_source.hpp"

namespace baton::server {
namespace {

constexpr int kStreamSendBufferBytes = 64 * 1024;  // SO_SNDBUF of a stream (the kernel doubles it)
constexpr auto kPingEvery = std::chrono::seconds(15);  // a comment line keeps proxies from closing a quiet stream
constexpr std::string_view kHeaders =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Connection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 1000\n\n";

void put_message(std::string& out, std::string_view event, std::optional<std::uint64_t> id, const nlohmann::json& data) {
  out += "event: ";
  out += event;
  out += '\n';
  if (id) out += fmt::format("id: {}\n", *id);
  out += "data: ";
  out += dump(data);
  out += "\n\n";
}

std::shared_ptr<const std::string> message(std::string_view event, std::optional<std::uint64_t> id,
                                           const nlohmann::json& data) {
  std::string out;
  put_message(out, event, id, data);
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace

struct EventFeed::Stream {
  explicit Stream(tcp::socket s) : sock(std::move(s)), signal(sock.get_executor()) {}
  tcp::socket sock;
  asio::steady_timer signal;  // cancelled when something is queued (asio's chat idiom)
  std::string ring;           // empty: all rings
  std::size_t shard = 0;      // ring streams: the ring's shard
  bool payloads = false;
  std::vector<bool> live;     // per shard: its batches count (its part of the start has been read)
  bool started = false;       // the start is queued: batches go straight to the queue
  std::vector<std::shared_ptr<const std::string>> held;  // batches that came before the start
  std::deque<std::shared_ptr<const std::string>> queue;
  std::size_t queued_bytes = 0;  // queued and being written
  bool dropped = false;
  bool done = false;
  std::uint64_t last_seq = 0;   // ring streams: the last event sent
  std::uint64_t last_turn = 0;
};

EventFeed::EventFeed(asio::io_context& ctx, StatusSource& source, AdminStats& stats)
    : ctx_(ctx), source_(source), stats_(stats) {}

void EventFeed::connect_shards() {
  for (std::size_t i = 0; i < source_.shard_count(); ++i)
    source_.shard(i).set_feed_sink([this, i](FeedBatch b) {
      asio::post(ctx_, [this, i, b = std::move(b)]() mutable { publish(i, std::move(b)); });
    });
}

void EventFeed::deliver(Stream& s, std::shared_ptr<const std::string> bytes) {
  if (s.dropped || s.done) return;
  if (!s.started) {
    s.held.push_back(std::move(bytes));
    return;
  }
  s.queued_bytes += bytes->size();
  s.queue.push_back(std::move(bytes));
  if (s.queued_bytes > kMaxStreamQueuedBytes) {
    // A viewer that does not read must not grow our memory.
    s.dropped = true;
    stats_.streams_dropped.add();
    s.queue.clear();
    boost::system::error_code ec;
    s.sock.close(ec);
  }
  s.signal.cancel();
}

void EventFeed::deliver_events(Stream& s, const std::vector<RingEvent>& events,
                               const std::vector<std::shared_ptr<const std::string>>& encoded) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    const RingEvent& e = events[i];
    if (e.seq <= s.last_seq) continue;  // already sent (its start read it)
    if (s.last_seq > 0 && e.seq > s.last_seq + 1)
      deliver(s, message("gap", std::nullopt, {{"after", s.last_turn}, {"first", e.turn}}));
    deliver(s, encoded[i]);
    s.last_seq = e.seq;
    s.last_turn = e.turn;
  }
}

void EventFeed::publish(std::size_t shard, FeedBatch batch) {
  std::shared_ptr<const std::string> all;
  if (all_streams_ > 0 && (!batch.rings.empty() || !batch.gone.empty())) {
    std::string text;
    for (const auto& r : batch.rings) put_message(text, "ring", r.turn, ring_json(r));
    for (const auto& g : batch.gone) put_message(text, "gone", std::nullopt, {{"name", g}});
    all = std::make_shared<const std::string>(std::move(text));
  }
  // A ring's events encoded once per payload permission, shared by its streams.
  std::map<std::pair<std::string, bool>, std::vector<std::shared_ptr<const std::string>>> encoded;
  for (auto& sp : std::vector<std::shared_ptr<Stream>>(streams_)) {
    Stream& s = *sp;
    if (s.ring.empty()) {
      if (all && s.live[shard]) deliver(s, all);
      continue;
    }
    if (s.shard != shard || !s.live[shard]) continue;
    for (const auto& group : batch.events) {
      if (group.ring != s.ring) continue;
      auto& enc = encoded[{group.ring, s.payloads}];
      if (enc.empty())
        for (const auto& e : group.events) enc.push_back(message("turn", e.turn, event_json(e, s.payloads)));
      deliver_events(s, group.events, enc);
    }
    // No id on a ring stream's state messages: its ids are its events' turns,
    // and a state can be ahead of the events still to come.
    for (const auto& r : batch.rings)
      if (r.name == s.ring) deliver(s, message("ring", std::nullopt, ring_json(r)));
    if (std::find(batch.gone.begin(), batch.gone.end(), s.ring) != batch.gone.end()) {
      deliver(s, message("gone", std::nullopt, {{"name", s.ring}}));
      s.last_seq = 0;  // a ring of that name that comes back numbers its events afresh
    }
  }
}

void EventFeed::tick() {
  if (all_streams_ == 0) return;
  auto status = message("status", std::nullopt, source_.status());
  for (auto& s : std::vector<std::shared_ptr<Stream>>(streams_))
    if (s->ring.empty()) deliver(*s, status);
}

void EventFeed::subscribe(Stream& s) {
  stats_.streams.add(1);
  if (s.ring.empty()) {
    if (all_streams_++ == 0)
      for (std::size_t i = 0; i < source_.shard_count(); ++i) source_.shard(i).feed_all(true);
  } else {
    source_.shard(s.shard).feed_ring(s.ring, +1);
  }
}

void EventFeed::unsubscribe(Stream& s) {
  stats_.streams.add(-1);
  if (s.ring.empty()) {
    if (--all_streams_ == 0)
      for (std::size_t i = 0; i < source_.shard_count(); ++i) source_.shard(i).feed_all(false);
  } else {
    source_.shard(s.shard).feed_ring(s.ring, -1);
  }
}

asio::awaitable<void> EventFeed::serve(tcp::socket sock, std::string ring, bool payloads,
                                       std::optional<std::uint64_t> after) {
  // The kernel would grow a non-reading viewer's send buffer to megabytes;
  // held small, the unsent bytes are ours to count and bound.
  boost::system::error_code ec;
  sock.set_option(asio::socket_base::send_buffer_size(kStreamSendBufferBytes), ec);
  auto sp = std::make_shared<Stream>(std::move(sock));
  Stream& s = *sp;
  s.ring = std::move(ring);
  s.payloads = payloads;
  s.live.assign(source_.shard_count(), false);
  if (!s.ring.empty()) s.shard = source_.shard_index(s.ring);
  streams_.push_back(sp);
  subscribe(s);
  // Posted after subscribe()'s feed_all/feed_ring, so each shard collects
  // changes from before the moment it answers: nothing falls between.
  if (s.ring.empty()) co_await start_all(s);
  else co_await start_ring(s, after);
  asio::co_spawn(ctx_, [this, sp]() { return write_loop(*sp); }, detached_logged);
  co_await read_until_close(s);
  s.done = true;
  s.signal.cancel();
  std::erase(streams_, sp);
  unsubscribe(s);
}

asio::awaitable<void> EventFeed::start_all(Stream& s) {
  std::vector<RingSummary> rings;
  for (std::size_t i = 0; i < source_.shard_count(); ++i) {
    Hub& hub = source_.shard(i).hub();
    auto list = [&hub] { return hub.list_rings("", kSnapshotRings + 1); };  // named: g++ 12 (status_source.cpp)
    auto part = co_await on_thread<std::vector<RingSummary>>(source_.shard(i).context(), std::move(list));
    s.live[i] = true;  // batches this shard posts from now on are newer than its part
    std::move(part.begin(), part.end(), std::back_inserter(rings));
  }
  std::sort(rings.begin(), rings.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  const bool more = rings.size() > kSnapshotRings;
  if (more) rings.resize(kSnapshotRings);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rings) list.push_back(ring_json(r));
  std::string first(kHeaders);
  put_message(first, "snapshot", std::nullopt, {{"status", source_.status()}, {"rings", std::move(list)}, {"more", more}});
  s.started = true;
  deliver(s, std::make_shared<const std::string>(std::move(first)));
  for (auto& h : std::exchange(s.held, {})) deliver(s, std::move(h));
}

asio::awaitable<void> EventFeed::start_ring(Stream& s, std::optional<std::uint64_t> after) {
  struct Start {
    std::optional<RingSummary> ring;
    std::vector<RingEvent> events;
    bool complete = true;
    std::uint64_t last_seq = 0;
  };
  Hub& hub = source_.shard(s.shard).hub();
  auto read = [&hub, name = s.ring, after] {  // named: g++ 12 (status_source.cpp)
    Start r;
    if (auto d = hub.ring_detail(name)) r.ring = std::move(d->summary);
    r.events = hub.events_after(name, after.value_or(0), &r.complete, &r.last_seq);
    if (!after) r.events.clear();  // no resume point: live from now on
    return r;
  };
  auto st = co_await on_thread<Start>(source_.shard(s.shard).context(), std::move(read));
  // No co_await from here to started: no batch can slip in between.
  s.live[s.shard] = true;
  s.started = true;
  deliver(s, std::make_shared<const std::string>(kHeaders));
  if (st.ring) deliver(s, message("ring", std::nullopt, ring_json(*st.ring)));
  if (after && !st.complete)
    deliver(s, message("gap", std::nullopt, {{"after", *after}, {"first", st.events.empty() ? 0 : st.events.front().turn}}));
  for (const auto& e : st.events) deliver(s, message("turn", e.turn, event_json(e, s.payloads)));
  s.last_seq = st.last_seq;
  s.last_turn = st.events.empty() ? after.value_or(0) : st.events.back().turn;
}

asio::awaitable<void> EventFeed::write_loop(Stream& s) {
  while (!s.done && !s.dropped) {
    if (s.queue.empty()) {
      s.signal.expires_after(kPingEvery);
      auto [ec] = co_await s.signal.async_wait(use_tuple);
      if (s.done || s.dropped) break;
      if (!ec && s.queue.empty()) deliver(s, std::make_shared<const std::string>(": ping\n\n"));
      continue;
    }
    // Everything pending in one write.
    std::vector<std::shared_ptr<const std::string>> batch(s.queue.begin(), s.queue.end());
    s.queue.clear();
    std::vector<asio::const_buffer> bufs;
    std::size_t bytes = 0;
    for (const auto& b : batch) {
      bufs.push_back(asio::buffer(*b));
      bytes += b->size();
    }
    auto [ec, n] = co_await asio::async_write(s.sock, bufs, use_tuple);
    s.queued_bytes -= std::min(bytes, s.queued_bytes);
    if (ec) break;
  }
  boost::system::error_code ec;
  s.sock.close(ec);  // ends read_until_close
}

asio::awaitable<void> EventFeed::read_until_close(Stream& s) {
  // A viewer has nothing to say after its request: read only to notice it leave.
  std::array<char, 256> buf{};
  for (;;) {
    auto [ec, n] = co_await s.sock.async_read_some(asio::buffer(buf), use_tuple);
    if (ec || s.dropped) co_return;
  }
}

}  // namespace baton::server

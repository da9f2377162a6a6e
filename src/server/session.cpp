#include "server/session.hpp"

#include <fmt/format.h>

#include "server/log.hpp"
#include "server/shard.hpp"

namespace baton::server {

Session::Session(Shard& shard, Link link, Slot slot, MemberId id, Identity who, std::string leftover,
                 std::optional<std::string> legacy_first, std::optional<auth::Credential> credential)
    : shard_(shard), link_(std::move(link)), slot_(std::move(slot)), id_(id), who_(std::move(who)),
      leftover_(std::move(leftover)), legacy_first_(std::move(legacy_first)), credential_(std::move(credential)),
      lines_(shard.config().max_line), last_heard_(Clock::now()), kind_(conn_kind(who_.wire, link_.tls(), who_.watcher)) {
  boost::system::error_code ec;
  auto& sock = link_.socket();
  sock.set_option(tcp::no_delay(true), ec);  // a turn is a small message that must leave now
  // The kernel would grow a non-reading peer's send buffer to megabytes
  // (tcp_wmem), memory no flag of ours bounds; held here instead, unsent bytes
  // count against --max-queued and --max-queued-total.
  sock.set_option(asio::socket_base::send_buffer_size(kSocketSendBufferBytes), ec);
  sock.non_blocking(true, ec);               // flush() writes directly, without a wake-up
}

void Session::start() {
  // A read loop that throws is a bug of ours: log it and let the peer go, so
  // that its seat is not held by a connection nobody reads any more.
  asio::co_spawn(link_.socket().get_executor(), [self = shared_from_this()] { return self->read_loop(); },
                 [self = shared_from_this()](std::exception_ptr e) {
                   if (!e) return;
                   log_coroutine_exception(e);
                   self->end(Closed::error);
                   self->shard_.hub().leave(*self);
                   self->close();
                   self->shard_.forget(*self);
                 });
}

asio::awaitable<void> Session::read_loop() {
  if (!leftover_.empty()) {
    on_bytes(std::exchange(leftover_, {}));
    shard_.flush_dirty();
  }
  while (link_.is_open()) {
    auto [ec, n] = co_await link_.async_read_some(asio::buffer(rbuf_), use_tuple);
    if (ec || n == 0) break;
    last_heard_ = Clock::now();
    shard_.stats().received_bytes.add(n);
    if (ended_) continue;  // lingering after an error: discard until the peer closes
    if (suspended_) shard_.hub().resume(*this);  // any byte shows a revoked member is alive
    more_coming_ = n == rbuf_.size() && link_.available() > 0;
    on_bytes(std::string_view(rbuf_.data(), n));
    shard_.flush_dirty();
  }
  // Cut without a goodbye: a HELLO 2 member's seat waits for a resume.
  shard_.hub().drop(*this);
  shard_.flush_dirty();
  close();
  shard_.forget(*this);
}

void Session::on_bytes(std::string_view bytes) {
  if (who_.wire == Wire::legacy) {
    on_legacy_bytes(bytes);
    return;
  }
  lines_.append(bytes);
  while (!ended_) {
    auto line = lines_.next();
    if (!line) break;
    on_v1_line(*line);
  }
  if (!ended_ && lines_.overflow()) fail(v1::code::line_too_long, "a line is longer than the limit");
}

void Session::on_v1_line(std::string_view line) {
  std::string_view why;
  const auto msg = v1::parse(line, &why);
  if (!msg) {
    fail(v1::code::bad_frame, why);
    return;
  }
  switch (msg->verb) {
    case v1::Verb::send:
      if (who_.watcher) fail(v1::code::not_a_member, "watchers cannot send");
      else shard_.hub().submit(*this, msg->number, msg->text);
      return;
    case v1::Verb::pass:
    case v1::Verb::release:
      if (who_.watcher) fail(v1::code::not_a_member, "watchers cannot pass");
      else shard_.hub().pass(*this, msg->number);
      return;
    case v1::Verb::acquire:
      if (who_.watcher) fail(v1::code::not_a_member, "watchers cannot acquire");
      else shard_.hub().acquire(*this);
      return;
    case v1::Verb::ping:
      v1::put_pong(out_, msg->text);
      shard_.mark_dirty(*this);
      return;
    case v1::Verb::pong:
      return;
    case v1::Verb::bye:
      shard_.hub().leave(*this);
      v1::put_bye(out_);
      end(Closed::bye);  // nothing more is read from a peer that said goodbye
      flush();
      return;
    default:
      fail(v1::code::bad_frame, "not a client message here");
      return;
  }
}

void Session::on_legacy_bytes(std::string_view bytes) {
  switch (legacy_.append(bytes, more_coming_)) {
    case legacy::MessageReader::Result::incomplete:
      return;
    case legacy::MessageReader::Result::invalid:
      fail(v1::code::bad_frame, legacy_.why());
      return;
    case legacy::MessageReader::Result::complete: {
      auto m = legacy_.take();
      // The seed's client names itself in every message; the name was fixed
      // by its first one, so another name is a forgery, never logged.
      if (m.name != who_.name) {
        fail(v1::code::bad_frame, "a legacy client may not change its name");
        return;
      }
      shard_.hub().submit(*this, 0, m.payload);
      return;
    }
  }
}

void Session::deliver_welcome(std::uint64_t heartbeat_ms) {
  if (who_.wire == Wire::v1) v1::put_welcome(out_, who_.ring, who_.name, heartbeat_ms);
}
void Session::deliver_grant(std::uint64_t turn, std::uint64_t timeout_ms) {
  if (who_.wire == Wire::v1) v1::put_grant(out_, turn, timeout_ms);
  else legacy::put_go(out_);  // the seed's client only ever sees one GO per turn
  if (const auto since = shard_.hub().handoff_since()) {
    grant_since_ = since;
    grant_end_ = out_.size();
  }
}

void Session::wrote(std::size_t n) {
  shard_.stats().sent_bytes.add(n);
  if (!grant_since_) return;
  if (n < grant_end_) {
    grant_end_ -= n;
    return;
  }
  shard_.stats().handoff.observe(Clock::now() - *grant_since_);
  grant_since_.reset();
}
void Session::deliver_queue(std::uint64_t position) {
  if (who_.wire == Wire::v1) v1::put_queue(out_, position);
}
void Session::deliver_revoked(std::uint64_t turn) {
  if (who_.wire == Wire::v1) v1::put_revoked(out_, turn);
}
void Session::deliver_ack(std::uint64_t turn) {
  if (who_.wire == Wire::v1) v1::put_ack(out_, turn);
}
void Session::deliver_event(std::uint64_t turn, std::string_view name, std::string_view payload) {
  v1::put_event(out_, turn, name, payload);
}
void Session::deliver_notice(std::string_view code, std::string_view text) {
  if (who_.wire == Wire::v1) v1::put_notice(out_, code, text);
}
void Session::deliver_session(std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                              std::uint64_t last_turn, bool resumed) {
  if (!who_.v2()) return;
  if (resumed) v1::put_resumed(out_, session, secret, grace_ms, last_turn);
  else v1::put_session(out_, session, secret, grace_ms, last_turn);
}
void Session::deliver_passed(std::uint64_t turn, std::string_view name) {
  if (who_.v2()) v1::put_passed(out_, turn, name);
}
void Session::deliver_gap(std::uint64_t after, std::uint64_t next) {
  if (who_.v2()) v1::put_gap(out_, after, next);
}
void Session::ready() { shard_.mark_dirty(*this); }
void Session::ready_lazily() {
  if (who_.deferred_ack) shard_.mark_lazy(*this);
  else shard_.mark_dirty(*this);
}
void Session::deliver_ping(std::string_view token) {
  if (who_.wire != Wire::v1) return;
  v1::put_ping(out_, token);
  last_pinged_ = Clock::now();
}

void Session::flush() {
  write_out();
  sync_queued();
}

void Session::drop_slow(std::string_view why) {
  // A peer that does not read must not grow our memory: drop it. No ERROR:
  // it would queue behind everything the peer is not reading.
  log_info(fmt::format("{} ({}) dropped: {}", who_.name, who_.peer, why));
  out_.clear();
  if (!ended_) end(Closed::slow_consumer);
  shard_.hub().leave(*this);
  close();
}

void Session::sync_queued() {
  const std::size_t now = link_.is_open() ? out_.size() + sending_.size() : 0;
  if (now == queued_) return;
  shard_.account_queued(static_cast<std::ptrdiff_t>(now) - static_cast<std::ptrdiff_t>(queued_));
  queued_ = now;
  // Memory is capacity, not size: a burst must not stay allocated after it drained.
  if (out_.empty() && out_.capacity() > kKeepBufferBytes) std::string().swap(out_);
  if (sending_.empty() && sending_.capacity() > kKeepBufferBytes) std::string().swap(sending_);
}

void Session::write_out() {
  if (out_.empty() || !link_.is_open()) return;
  if (out_.size() + sending_.size() > shard_.config().max_queued) {
    drop_slow(fmt::format("more than {} bytes unread", shard_.config().max_queued));
    return;
  }
  if (writing_) return;  // write_loop() takes what was added
  boost::system::error_code ec;
  const std::size_t n = link_.try_write(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block) {
    out_.clear();
    close();  // the reader sees the error and leaves the ring
    return;
  }
  out_.erase(0, n);
  wrote(n);
  if (out_.empty()) {
    if (ended_) half_close();
    return;
  }
  writing_ = true;
  asio::co_spawn(link_.socket().get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                 detached_logged);
}

asio::awaitable<void> Session::write_loop() {
  while (!out_.empty() && link_.is_open()) {
    sending_.swap(out_);
    auto [ec, n] = co_await link_.async_write_all(asio::buffer(sending_), use_tuple);
    sending_.clear();
    wrote(n);
    if (ec) {
      out_.clear();
      close();
      break;
    }
    sync_queued();
  }
  writing_ = false;
  sync_queued();
  if (ended_) half_close();
}

void Session::fail(std::string_view code, std::string_view text, Closed why) {
  if (ended_) return;
  end(why);
  // The others carry on at once. A client silent for the idle timeout may
  // be cut off by the network rather than gone: its seat waits for a resume.
  if (why == Closed::idle) shard_.hub().drop(*this);
  else shard_.hub().leave(*this);
  if (who_.wire == Wire::v1) v1::put_error(out_, code, text);
  count_error(shard_.stats().errors, code);
  log_info(fmt::format("{} ({}) dropped: {} {}", who_.name, who_.peer, code, text));
  flush();
  if (!writing_) half_close();
}

void Session::shutdown_notice() {
  if (ended_) return;
  end(Closed::shutdown);
  if (who_.wire == Wire::v1) v1::put_shutdown(out_);
  flush();
  if (!writing_) half_close();
}

void Session::end(Closed why) {
  ended_ = true;
  reason_ = why;
  ended_at_ = Clock::now();
}

void Session::half_close() {
  // FIN after the last byte we owe, then keep reading so that unread input
  // does not turn our close into a reset that could swallow the ERROR line.
  if (who_.wire == Wire::legacy) {
    close();  // the seed's client has nothing to read; just go
    return;
  }
  link_.shutdown_send();
}

void Session::close() {
  link_.close();
  sync_queued();
}

}  // namespace baton::server

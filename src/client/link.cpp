#include "client/link.hpp"

#include <cstdio>

#include <algorithm>

namespace baton::detail {

namespace {

// How close_politely() waits for the server's BYE, i.e. for proof that the
// server saw us leave, before closing anyway.
constexpr std::chrono::milliseconds kCloseWait{1000};
constexpr std::chrono::milliseconds kCloseReadSlice{100};

bool is_last_word(const std::optional<v1::Message>& m) {
  return m && (m->verb == v1::Verb::error || m->verb == v1::Verb::shutdown);
}

}  // namespace

void Link::protocol_error(const std::string& what) { throw Error(Error::Kind::protocol, "", what); }

Error Link::last_word(const v1::Message& m) {
  if (m.verb == v1::Verb::shutdown) return Error(Error::Kind::closed, "", "the server is shutting down");
  return Error(Error::Kind::rejected, std::string(m.code),
               "server error " + std::string(m.code) + ": " + std::string(m.text));
}

void Link::open(Protocol want, const HelloLine& hello, milliseconds tcp_timeout) {
  conn_.close();
  proto_ = Protocol::automatic;
  hs_ = HandshakeReader();
  welcomed_ = false;
  lines_ = v1::LineReader();
  signals_ = legacy::SignalReader();
  hb_ = Heartbeat();
  seat_.reset();
  server_silent_ = server_gone_ = false;
  // Every connection needs a TLS session of its own; loading the files again
  // also picks up a CA or certificate renewed meanwhile.
  if (opt_.tls) conn_.configure_tls(opt_);
  conn_.connect(opt_.host, opt_.port, std::max(tcp_timeout, milliseconds(1)));
  opened_at_ = clock_type::now();
  try {
    handshake(want, hello);
  } catch (...) {
    conn_.close();
    throw;
  }
}

// The connection failed (e.g. "Broken pipe" on a write). The server may have
// said why first: a client that was stopped finds ERROR IDLE_TIMEOUT unread
// in its buffer, behind a half-closed socket. Report that, not the symptom.
void Link::lost(const Error& e) {
  server_gone_ = true;
  if (proto_ == Protocol::legacy) throw e;  // the seed's protocol has no last words
  const std::string rest = conn_.drain();
  if (!welcomed_) {
    hs_.append(rest);
    while (auto l = hs_.next()) {
      if (auto m = v1::parse(*l); is_last_word(m)) throw last_word(*m);
    }
  } else {
    lines_.append(rest);
    while (auto l = lines_.next()) {
      if (auto m = v1::parse(*l); is_last_word(m)) throw last_word(*m);
    }
  }
  throw e;
}

void Link::write(std::string_view bytes) {
  try {
    conn_.write_all(bytes);
  } catch (const Error& e) {
    lost(e);
  }
  hb_.wrote(clock_type::now());
}

// One read of at most `timeout` into rx_; false if nothing came.
bool Link::read_for(milliseconds timeout) {
  rx_.clear();
  try {
    if (!conn_.read_some(rx_, timeout)) return false;
    last_read_at_ = clock_type::now();
    return true;
  } catch (const Error& e) {
    lost(e);
  }
}

// One read after WELCOME, lasting at most until the next PING is due or
// `until`. Sends the PING first when it is due: the server counts only what
// we write, so a busy stream of EVENTs must not stop them. The server is
// presumed dead only after reads that brought nothing.
void Link::read_or_ping(clock_type::time_point until) {
  auto now = clock_type::now();
  if (hb_.ping_due(now)) {
    out_.clear();
    v1::put_ping(out_, "hb" + std::to_string(++pings_));
    write(out_);
    now = clock_type::now();
  }
  const milliseconds timeout = hb_.read_timeout(now, until);
  if (read_for(timeout)) {
    hb_.heard();
    lines_.append(rx_);
    return;
  }
  // Silence is what we listened for, never more: a read that took longer than
  // its timeout was not running the whole time (SIGSTOP, then EINTR on
  // SIGCONT; an overloaded machine), and the server may well have spoken.
  hb_.heard_nothing(std::min<clock_type::duration>(clock_type::now() - now, timeout));
  if (hb_.server_dead()) {
    server_silent_ = server_gone_ = true;
    const auto period = hb_.period().count();
    throw Error(Error::Kind::closed, "",
                "the server sent nothing for " + std::to_string(Heartbeat::kDeadAfter * period) + " ms (" +
                    std::to_string(Heartbeat::kDeadAfter) + " heartbeats of " + std::to_string(period) +
                    " ms, PINGs unanswered): presumed dead");
  }
}

std::optional<v1::Message> Link::next(clock_type::time_point until) {
  if (!conn_.is_open()) throw Error(Error::Kind::closed, "", "not connected");
  for (;;) {
    if (auto l = lines_.next()) {
      line_.assign(*l);
      std::string_view why;
      auto m = v1::parse(line_, &why);
      if (!m) protocol_error("bad line from server: " + std::string(why));
      switch (m->verb) {
        case v1::Verb::ping:
          out_.clear();
          v1::put_pong(out_, m->text);
          write(out_);
          continue;
        case v1::Verb::pong:
          if (is_barrier(*m)) return m;
          continue;  // that we heard anything is all that matters
        case v1::Verb::error:
        case v1::Verb::shutdown:
          server_gone_ = true;
          throw last_word(*m);
        default:
          return m;
      }
    }
    if (lines_.overflow()) protocol_error("line from server too long");
    if (clock_type::now() >= until) return std::nullopt;
    read_or_ping(until);
  }
}

void Link::barrier() {
  barrier_ = "sync" + std::to_string(++pings_);
  out_.clear();
  v1::put_ping(out_, barrier_);
  write(out_);
}

bool Link::revoked_ahead(std::uint64_t turn) const {
  const std::string_view rest = lines_.pending();
  if (rest.empty()) return false;
  char needle[32];
  const int n = std::snprintf(needle, sizeof needle, "REVOKED %llu\n", static_cast<unsigned long long>(turn));
  const std::string_view want(needle, static_cast<std::size_t>(n));
  for (std::size_t at = rest.find(want); at != std::string_view::npos; at = rest.find(want, at + 1))
    if (at == 0 || rest[at - 1] == '\n') return true;
  return false;
}

void Link::read_waiting() { lines_.append(conn_.drain()); }

void Link::await_go() {
  for (;;) {
    if (auto s = signals_.next()) {
      if (*s == legacy::SignalReader::Signal::go) return;
      continue;  // WAIT: the seed's server polls; nothing to do
    }
    if (signals_.state() == legacy::SignalReader::State::garbage) protocol_error("server sent neither GO nor WAIT");
    if (read_for(opt_.heartbeat)) signals_.append(rx_);
  }
}

void Link::close_politely() {
  if (!conn_.is_open()) return;
  // A server that sent ERROR or SHUTDOWN, failed, or went silent will not
  // answer BYE: do not wait for it.
  if (proto_ == Protocol::v1 && welcomed_ && !server_gone_) {
    try {
      out_.clear();
      v1::put_bye(out_);
      conn_.write_all(out_);
      const auto deadline = clock_type::now() + kCloseWait;
      std::string rest;
      while (clock_type::now() < deadline) {
        if (auto l = lines_.next()) {
          if (*l == "BYE") break;
          continue;
        }
        rest.clear();
        conn_.read_some(rest, kCloseReadSlice);
        lines_.append(rest);
      }
    } catch (const Error&) {  // the server closed first: that is a goodbye too
    }
  }
  conn_.close();
}

}  // namespace baton::detail

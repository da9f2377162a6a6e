// baton::Client's public calls: a member's or watcher's protocol over a
// Link, v1 and legacy behind one interface; each call that waits hands a
// failed connection to Impl::recover() and carries on.
#include "baton/client.hpp"

#include <thread>
#include <utility>

#include "client/client_impl.hpp"
#include "core/auth.hpp"

namespace baton {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

// Room for everything in a SEND line but the payload: "SEND ", a turn of up
// to 20 digits, a space and the '\n' (27 bytes), rounded up.
constexpr std::size_t kSendOverhead = 32;

Error usage(const std::string& what) { return Error(Error::Kind::usage, "", what); }

}  // namespace

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; the connection is gone either way
  }
}

void Client::connect() {
  Impl& d = *impl_;
  if (d.connected) return;
  if (!valid_name(d.opt.name) || !valid_name(d.opt.ring)) throw usage("name and ring must match [A-Za-z0-9._-]{1,64}");
  // The server's rule, checked before the token goes out: a space or a
  // newline in it would forge fields or whole lines.
  if (!d.opt.token.empty() && !auth::valid_token(d.opt.token))
    throw usage("a token is at most " + std::to_string(kMaxTokenBytes) + " printable characters, no spaces");
  if (d.opt.role == Role::member && d.opt.mode == TurnOrder::lock && d.opt.protocol == Protocol::legacy)
    throw usage("lock rings need protocol v1: the seed's server only rotates");
  if (d.opt.tls) {
    // Over TLS only a baton server can answer: the seed's protocol has no TLS.
    if (d.opt.protocol == Protocol::legacy) throw usage("TLS needs protocol v1: the legacy protocol has no TLS");
    d.opt.protocol = Protocol::v1;
  }
  d.fatal.reset();
  d.connect();
}

Protocol Client::protocol() const { return impl_->state.pinned.value_or(Protocol::automatic); }

Grant Client::await_grant() {
  Impl& d = *impl_;
  if (d.opt.role == Role::watcher) throw usage("a watcher is never granted");
  d.require_open();
  if (d.legacy()) {
    for (;;) {
      try {
        d.link.await_go();
        d.granted = true;
        return Grant{};
      } catch (const Error& e) {
        d.recover(e);
      }
    }
  }
  if (d.pending_grant) {  // it came while we were in pause() or send(): no need to read
    const Grant g = *d.pending_grant;
    d.pending_grant.reset();
    if (!d.link.revoked_ahead(g.turn)) return g;
  }
  for (;;) {
    try {
      const auto m = d.next_v1();
      if (m->verb == v1::Verb::grant && !d.link.revoked_ahead(m->number)) return d.take_grant(*m);
      // ACK of an earlier send, a grant already revoked: nothing to do while waiting.
    } catch (const Error& e) {
      d.recover(e);
    }
  }
}

Grant Client::acquire() {
  Impl& d = *impl_;
  if (d.opt.role == Role::watcher) throw usage("a watcher is never granted");
  d.require_open();
  if (d.legacy() || d.state.hello_version() < 2)
    throw usage("acquire() needs a server that speaks HELLO 2 (lock rings)");
  if (d.granted) return Grant{d.turn, d.grant_timeout};  // holding: ACQUIRE would be ignored
  if (d.pending_grant) {
    const Grant g = *d.pending_grant;
    d.pending_grant.reset();
    if (!d.link.revoked_ahead(g.turn)) return g;
  }
  // A waiter's place in a lock ring's queue ends with its connection: ask
  // again on every new one (a resumed holder's ACQUIRE is ignored).
  std::uint64_t asked_on = 0;
  for (;;) {
    try {
      if (asked_on != d.connections) {
        std::string out;
        v1::put_acquire(out);
        d.link.write(out);
        asked_on = d.connections;
      }
      const auto m = d.next_v1();
      if (m->verb == v1::Verb::grant && !d.link.revoked_ahead(m->number)) return d.take_grant(*m);
    } catch (const Error& e) {
      d.recover(e);
    }
  }
}

std::uint64_t Client::send(std::string_view payload) {
  Impl& d = *impl_;
  if (!valid_payload(payload) || payload.size() + kSendOverhead > kMaxLine)
    throw usage("payload must be one line of at most " + std::to_string(kMaxLine - kSendOverhead) + " bytes");
  d.require_open();
  if (!d.granted) {
    if (const std::uint64_t lost = std::exchange(d.lost_turn, 0); lost != 0)
      throw Error(Error::Kind::revoked, "",
                  "turn " + std::to_string(lost) + " was lost with the connection; nothing was sent");
    throw usage("send without holding the baton");
  }
  d.granted = false;
  d.pending_grant.reset();  // sent without await_grant(): this is the grant being used
  if (d.legacy()) {
    try {
      d.link.write(d.opt.name + ":" + std::string(payload));
    } catch (const Error& e) {
      d.recover(e);
      throw Error(Error::Kind::revoked, "", "the connection was lost before the send went out; nothing was sent");
    }
    return 0;
  }
  if (d.grant_revoked_while_away())
    throw Error(Error::Kind::revoked, "", "turn " + std::to_string(d.turn) + " was revoked before it was sent");
  return d.commit(Impl::Line::send, payload);
}

std::uint64_t Client::Impl::give_up_turn(Line line) {
  Impl& d = *this;
  d.require_open();
  if (d.legacy() || d.state.hello_version() < 2)
    throw usage("pass() and release() need a server that speaks HELLO 2");
  if (!d.granted) {
    if (const std::uint64_t lost = std::exchange(d.lost_turn, 0); lost != 0)
      throw Error(Error::Kind::revoked, "", "turn " + std::to_string(lost) + " was lost with the connection");
    throw usage("nothing to give up: not holding the baton");
  }
  d.granted = false;
  d.pending_grant.reset();
  if (d.grant_revoked_while_away())
    throw Error(Error::Kind::revoked, "", "turn " + std::to_string(d.turn) + " was revoked before it was given up");
  return d.commit(line);
}

std::uint64_t Client::pass() { return impl_->give_up_turn(Impl::Line::pass); }
std::uint64_t Client::release() { return impl_->give_up_turn(Impl::Line::release); }

std::optional<Event> Client::next_event() {
  Impl& d = *impl_;
  if (d.opt.role != Role::watcher) throw usage("only a watcher reads events");
  if (!d.pending_events.empty()) {
    Event e = std::move(d.pending_events.front());
    d.pending_events.pop_front();
    return e;
  }
  d.require_open();
  for (;;) {
    try {
      const auto m = d.next_v1();
      if (auto e = d.event_of(*m)) return e;
    } catch (const Error& e) {
      // Without reconnecting, a server that closed or shut down ends the
      // stream; one that went silent is a failure the caller must hear about.
      if (!d.opt.reconnect.enabled && e.kind() == Error::Kind::closed && !d.link.server_silent()) return std::nullopt;
      d.recover(e);
    }
  }
}

void Client::pause(std::chrono::milliseconds duration) {
  Impl& d = *impl_;
  if (d.legacy()) {  // the seed's server neither pings nor drops idle clients
    std::this_thread::sleep_for(duration);
    return;
  }
  d.require_open();
  const auto until = clock_type::now() + duration;
  for (;;) {
    try {
      while (const auto m = d.next_v1(until)) {
        if (m->verb == v1::Verb::grant) d.pending_grant = d.take_grant(*m);
        else if (d.opt.role == Role::watcher)
          if (auto e = d.event_of(*m)) d.pending_events.push_back(std::move(*e));
        // ACK of an earlier send: nothing to do.
      }
      return;
    } catch (const Error& e) {
      d.recover(e);
    }
  }
}

void Client::close() {
  Impl& d = *impl_;
  d.connected = false;
  d.link.close_politely();
}

}  // namespace baton

// Client::Impl: reconnecting, and the exactly-once rule for a turn's line.
#include "client/client_impl.hpp"

#include <random>
#include <thread>

namespace baton {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// A connection that lasted this long before failing ends an outage that is
// over: the next one starts with an immediate attempt and a fresh back-off.
// Shorter, the failure continues the same outage (a server that welcomes and
// drops us must not be hammered).
constexpr std::chrono::seconds kLastedLongEnough{1};

std::uint64_t seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
         static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count());
}

std::string turn_text(std::uint64_t t) { return "turn " + std::to_string(t); }

}  // namespace

Client::Impl::Impl(ClientOptions o) : opt(std::move(o)), backoff(opt.reconnect, seed()) {}

void Client::Impl::require_open() const {
  if (fatal) throw *fatal;
  if (!connected) throw Error(Error::Kind::usage, "", "not connected");
}

void Client::Impl::connect() {
  establish(std::nullopt, /*at_once=*/true);
  connected = true;
}

void Client::Impl::recover(const Error& why) {
  if (!opt.reconnect.enabled || !detail::retryable(why) || link.tls_refused()) {
    if (why.kind() == Error::Kind::rejected || why.kind() == Error::Kind::protocol) fatal = why;
    throw why;
  }
  const bool lasted = clock_type::now() - link.opened_at() >= kLastedLongEnough;
  link.close();
  // A grant ends with its connection unless the resumed seat still holds it:
  // then a GRANT of that turn follows RESUMED and brings it back.
  if (granted) lost_turn = turn;
  else if (pending_grant) lost_turn = pending_grant->turn;
  granted = false;
  pending_grant.reset();
  if (opt.on_disconnect) opt.on_disconnect(why);
  establish(why, lasted);
  if (opt.on_reconnect) opt.on_reconnect(state.resumed());
}

void Client::Impl::establish(std::optional<Error> why, bool at_once) {
  const detail::Outage outage(clock_type::now(), opt.reconnect.give_up_after);
  if (at_once) backoff.reset();
  for (bool wait = !at_once;; wait = true) {
    if (wait) {
      if (outage.over(clock_type::now()))
        throw Error(Error::Kind::unavailable, "",
                    "no connection to " + opt.host + ":" + std::to_string(opt.port) + " for " +
                        std::to_string(outage.limit().count()) +
                        " ms, giving up; last: " + (why ? why->what() : "nothing tried"));
      std::this_thread::sleep_for(outage.left(clock_type::now(), backoff.next()));
    }
    try {
      attempt(outage.left(clock_type::now(), opt.connect_timeout));
      return;
    } catch (const Error& e) {
      if (!opt.reconnect.enabled || !detail::retryable(e) || link.tls_refused()) {
        if (e.kind() == Error::Kind::rejected || e.kind() == Error::Kind::protocol) fatal = e;
        throw;
      }
      // connect() says once why it is waiting; a lost connection said so already.
      if (!why && opt.on_disconnect) opt.on_disconnect(e);
      why = e;
    }
  }
}

void Client::Impl::attempt(milliseconds tcp_timeout) {
  const Protocol want = state.pinned.value_or(opt.protocol);
  auto hello = state.hello(opt);
  try {
    link.open(want, hello, tcp_timeout);
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::rejected || e.code() != v1::code::bad_version || hello.version < 2) throw;
    // An older server: once more with HELLO 1, and with it from then on.
    state.fall_back_to_hello1();
    if (opt.role == Role::member && opt.mode == TurnOrder::lock)
      throw Error(Error::Kind::usage, "",
                  "lock rings need a server that speaks HELLO 2; this one answered " + std::string(e.what()));
    hello = state.hello(opt);
    link.open(want, hello, tcp_timeout);
  }
  state.welcomed(hello, link.seat());
  if (!state.pinned) state.pinned = link.protocol();
  ++connections;
}

std::uint64_t Client::Impl::commit(Line what, std::string_view payload) {
  const std::uint64_t t = turn;
  struct Clear {  // however the call ends, no line is waiting any more
    std::uint64_t& v;
    ~Clear() { v = 0; }
  } clear{awaiting_ack};
  awaiting_ack = t;
  std::uint64_t written_on = 0;  // the connection the line went out on; 0: none yet
  bool reconnected = false;
  for (;;) {
    try {
      if (reconnected) {
        reconnected = false;
        const Fate f = fate_of(t);
        if (f == Fate::committed) return t;
        if (f == Fate::gone)
          throw Error(Error::Kind::revoked, "",
                      turn_text(t) + " was lost with the connection before the server took its line; "
                                     "nothing was committed");
      }
      if (written_on != connections) {  // never twice on one connection: the second would be STALE_TURN
        std::string out;
        if (what == Line::send) v1::put_send(out, t, payload);
        else if (what == Line::pass) v1::put_pass(out, t);
        else v1::put_release(out, t);
        link.write(out);
        written_on = connections;
      }
      for (;;) {
        const auto m = next_v1();
        if (m->verb == v1::Verb::ack && m->number == t) return t;
        // A ring of one may be granted its next turn before the ACK arrives.
        if (m->verb == v1::Verb::grant) pending_grant = take_grant(*m);
      }
    } catch (const Error& e) {
      if (e.kind() == Error::Kind::revoked || e.kind() == Error::Kind::in_doubt) throw;
      recover(e);
      reconnected = true;
    }
  }
}

Client::Impl::Fate Client::Impl::fate_of(std::uint64_t t) {
  if (!state.knows_last_turn())
    throw Error(Error::Kind::in_doubt, "",
                "the connection was lost before the ACK of " + turn_text(t) +
                    ", and the server keeps no sessions (HELLO 1): it may or may not have been committed");
  // Turn numbers are unique per ring and only the holder can use one.
  if (state.last_turn() == t) return Fate::committed;
  if (!state.resumed()) return Fate::gone;  // a new seat never holds an old turn
  // The resumed seat's state follows RESUMED: GRANT t (ours still), QUEUE (gone), or,
  // in a lock ring, nothing at all; the barrier's PONG says "nothing".
  link.barrier();
  for (;;) {
    const auto m = link.next(kForever);
    if (m->verb == v1::Verb::grant) {
      const Grant g = take_grant(*m);
      if (g.turn == t && !link.revoked_ahead(t)) {
        granted = false;  // in use by this commit
        return Fate::ours;
      }
      pending_grant = g;
      return Fate::gone;
    }
    if (m->verb == v1::Verb::ack && m->number == t) return Fate::committed;
    if (m->verb == v1::Verb::queue) {
      absorb(*m);
      return Fate::gone;
    }
    if (link.is_barrier(*m)) return Fate::gone;
    absorb(*m);  // a REVOKED of t throws Error{revoked} here
  }
}

std::optional<v1::Message> Client::Impl::next_v1(clock_type::time_point until) {
  for (;;) {
    auto m = link.next(until);
    if (!m) return m;
    if (absorb(*m)) continue;
    if (m->verb == v1::Verb::pong) continue;  // a barrier that was not waited for
    return m;
  }
}

bool Client::Impl::absorb(const v1::Message& m) {
  switch (m.verb) {
    case v1::Verb::queue:
      if (opt.on_queue) opt.on_queue(m.number);
      return true;
    case v1::Verb::notice:
      if (opt.on_notice) opt.on_notice(m.code, m.text);
      return true;
    case v1::Verb::gap:
      if (opt.on_gap) opt.on_gap(m.number, m.next);
      return true;
    case v1::Verb::revoked:
      if (granted && turn == m.number) granted = false;
      if (pending_grant && pending_grant->turn == m.number) pending_grant.reset();
      if (opt.on_revoked) opt.on_revoked(m.number);
      // Our line crossed its REVOKED on the wire: the server ignores it.
      if (awaiting_ack != 0 && awaiting_ack == m.number)
        throw Error(Error::Kind::revoked, "", turn_text(m.number) + " was revoked before the line arrived");
      return true;
    case v1::Verb::session:
    case v1::Verb::resumed:
      return true;  // only ever right after WELCOME, where Link reads them
    default:
      return false;
  }
}

Grant Client::Impl::take_grant(const v1::Message& m) {
  turn = m.number;
  granted = true;
  granted_at = link.last_read_at();
  grant_timeout = milliseconds(m.millis);
  lost_turn = 0;
  return Grant{m.number, grant_timeout};
}

// A holder that was away longer than its turn's timeout (stopped, a long
// pause between await_grant and send) asks the socket first: its REVOKED is
// probably waiting there, and a SEND for that turn would be STALE_TURN,
// which closes the connection. Costs nothing on a prompt send.
bool Client::Impl::grant_revoked_while_away() {
  if (link.revoked_ahead(turn)) return true;  // already read (e.g. during a pause), not yet parsed
  if (grant_timeout.count() == 0 || clock_type::now() - granted_at < grant_timeout) return false;
  link.read_waiting();
  return link.revoked_ahead(turn);
}

std::optional<Event> Client::Impl::event_of(const v1::Message& m) {
  if (m.verb != v1::Verb::event && m.verb != v1::Verb::passed) return std::nullopt;
  if (state.seen(m.number)) return std::nullopt;  // replayed after a reconnect: returned before
  state.saw(m.number);
  const bool passed = m.verb == v1::Verb::passed;
  return Event{m.number, std::string(m.name), passed ? std::string() : std::string(m.text), passed};
}

}  // namespace baton

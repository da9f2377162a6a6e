// baton::Client: the protocol logic of a member or watcher over a blocking
// Connection. v1 and legacy (the seed's server) behind one interface.
#include "baton/client.hpp"

#include <algorithm>
#include <thread>

#include "client/client_impl.hpp"
#include "core/auth.hpp"

namespace baton {

using std::chrono::milliseconds;
using detail::clock_type;

namespace {

// Room for everything in a SEND line but the payload: "SEND ", a turn of up
// to 20 digits, a space and the '\n' (27 bytes), rounded up.
constexpr std::size_t kSendOverhead = 32;
// How long close() waits for the server's BYE, i.e. for proof that the
// server saw us leave, before closing anyway.
constexpr milliseconds kCloseWait{1000};

}  // namespace

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; the connection is gone either way
  }
}

void Client::connect() {
  if (!valid_name(impl_->opt.name) || !valid_name(impl_->opt.ring))
    throw Error(Error::Kind::usage, "", "name and ring must match [A-Za-z0-9._-]{1,64}");
  // The server's rule, checked before the token goes out: a space or a
  // newline in it would forge fields or whole lines.
  if (!impl_->opt.token.empty() && !auth::valid_token(impl_->opt.token))
    throw Error(Error::Kind::usage, "",
                "a token is at most " + std::to_string(kMaxTokenBytes) + " printable characters, no spaces");
  if (impl_->opt.tls) {
    // Over TLS only a baton server can answer: the seed's protocol has no TLS.
    if (impl_->opt.protocol == Protocol::legacy)
      throw Error(Error::Kind::usage, "", "TLS needs protocol v1: the legacy protocol has no TLS");
    impl_->opt.protocol = Protocol::v1;
    impl_->conn.configure_tls(impl_->opt);  // before connecting: a bad CA or key is the caller's to fix
  }
  impl_->conn.connect(impl_->opt.host, impl_->opt.port, impl_->opt.connect_timeout);
  impl_->handshake();
}

Protocol Client::protocol() const { return impl_->proto; }

Grant Client::await_grant() {
  Impl& d = *impl_;
  if (d.opt.role == Role::watcher) throw Error(Error::Kind::usage, "", "a watcher is never granted");
  d.require_open();
  if (d.proto == Protocol::legacy) {
    for (;;) {
      if (auto s = d.signals.next()) {
        if (*s == legacy::SignalReader::Signal::go) {
          d.granted = true;
          return Grant{};
        }
        continue;  // WAIT: the seed's server polls; nothing to do
      }
      if (d.signals.state() == legacy::SignalReader::State::garbage)
        Impl::protocol_error("server sent neither GO nor WAIT");
      if (d.read_for(d.opt.heartbeat)) d.signals.append(d.rx);
    }
  }
  if (d.pending_grant) {  // it came while we were in pause() or send(): no need to read
    const Grant g = *d.pending_grant;
    d.pending_grant.reset();
    if (!d.revoked_ahead(g.turn)) return g;
  }
  for (;;) {
    const auto m = d.next_v1();
    if (m->verb == v1::Verb::grant && !d.revoked_ahead(m->number)) return d.take_grant(*m);
    // ACK of an earlier send, an EVENT, a grant already revoked: nothing to do while waiting.
  }
}

std::uint64_t Client::send(std::string_view payload) {
  Impl& d = *impl_;
  if (!d.granted) throw Error(Error::Kind::usage, "", "send without holding the baton");
  if (!valid_payload(payload) || payload.size() + kSendOverhead > kMaxLine)
    throw Error(Error::Kind::usage, "",
                "payload must be one line of at most " + std::to_string(kMaxLine - kSendOverhead) + " bytes");
  d.require_open();
  d.granted = false;
  d.pending_grant.reset();  // sent without await_grant(): this is the grant being used
  d.out.clear();
  if (d.proto == Protocol::legacy) {
    d.out.append(d.opt.name).append(":").append(payload);
    d.write(d.out);
    return 0;
  }
  const std::uint64_t sent = d.turn;
  if (d.grant_revoked_while_away())
    throw Error(Error::Kind::revoked, "", "turn " + std::to_string(sent) + " was revoked before it was sent");
  v1::put_send(d.out, sent, payload);
  d.write(d.out);
  d.awaiting_ack = sent;
  for (;;) {
    const auto m = d.next_v1();
    if (m->verb == v1::Verb::ack && m->number == sent) {
      d.awaiting_ack = 0;
      return sent;
    }
    // A ring of one may be granted its next turn before the ACK arrives.
    if (m->verb == v1::Verb::grant) d.pending_grant = d.take_grant(*m);
  }
}

std::optional<Event> Client::next_event() {
  Impl& d = *impl_;
  if (d.opt.role != Role::watcher) throw Error(Error::Kind::usage, "", "only a watcher reads events");
  if (!d.pending_events.empty()) {
    Event e = std::move(d.pending_events.front());
    d.pending_events.pop_front();
    return e;
  }
  d.require_open();
  try {
    for (;;) {
      const auto m = d.next_v1();
      if (m->verb == v1::Verb::event) return Event{m->number, std::string(m->name), std::string(m->text)};
    }
  } catch (const Error& e) {
    // A server that closed or shut down ends the stream; one that went silent
    // is a failure the caller must hear about.
    if (e.kind() == Error::Kind::closed && !d.server_silent) return std::nullopt;
    throw;
  }
}

void Client::pause(std::chrono::milliseconds duration) {
  Impl& d = *impl_;
  if (d.proto == Protocol::legacy) {  // the seed's server neither pings nor drops idle clients
    std::this_thread::sleep_for(duration);
    return;
  }
  d.require_open();
  const auto until = clock_type::now() + duration;
  while (const auto m = d.next_v1(until)) {
    if (m->verb == v1::Verb::grant) d.pending_grant = d.take_grant(*m);
    else if (m->verb == v1::Verb::event && d.opt.role == Role::watcher)
      d.pending_events.push_back(Event{m->number, std::string(m->name), std::string(m->text)});
    // ACK of an earlier send: nothing to do.
  }
}

void Client::close() {
  Impl& d = *impl_;
  if (!d.conn.is_open()) return;
  // A server that sent ERROR or SHUTDOWN, failed, or went silent will not
  // answer BYE: do not wait for it.
  if (d.proto == Protocol::v1 && !d.server_gone) {
    try {
      d.out.clear();
      v1::put_bye(d.out);
      d.conn.write_all(d.out);
      // Wait (briefly) for the server's BYE so that it has seen us leave.
      const auto deadline = clock_type::now() + kCloseWait;
      std::string rest;
      while (clock_type::now() < deadline) {
        if (auto l = d.lines.next()) {
          if (*l == "BYE") break;
          continue;
        }
        rest.clear();
        d.conn.read_some(rest, milliseconds(100));
        d.lines.append(rest);
      }
    } catch (const Error&) {  // the server closed first: that is a goodbye too
    }
  }
  d.conn.close();
}

}  // namespace baton

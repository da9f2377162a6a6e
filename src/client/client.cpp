// baton::Client: the protocol logic of a member or watcher over a blocking
// Connection. v1 and legacy (the seed's server) behind one interface.
#include "baton/client.hpp"

#include <algorithm>

#include "client/connection.hpp"
#include "core/legacy_codec.hpp"
#include "core/v1_codec.hpp"

namespace baton {

using std::chrono::milliseconds;

struct Client::Impl {
  ClientOptions opt;
  detail::Connection conn;
  Protocol proto = Protocol::automatic;
  v1::LineReader lines;
  legacy::SignalReader signals;
  std::string line;        // the current v1 line; parsed views point into it
  std::string out;         // scratch for encoding
  std::uint64_t turn = 0;  // the grant we hold, 0 if none
  bool granted = false;
  milliseconds heartbeat;

  explicit Impl(ClientOptions o) : opt(std::move(o)), heartbeat(opt.heartbeat) {}

  [[noreturn]] static void protocol_error(const std::string& what) {
    throw Error(Error::Kind::protocol, "", what);
  }

  // Reads until `done(bytes)` holds; PINGs the server whenever it is quiet.
  void fill(std::string& into, milliseconds timeout) {
    if (!conn.read_some(into, timeout)) {
      if (proto == Protocol::v1) {
        out.clear();
        v1::put_ping(out, "hb");
        conn.write_all(out);
      }
    }
  }

  // The next v1 message; views are valid until the next call.
  v1::Message next_v1() {
    for (;;) {
      if (auto l = lines.next()) {
        line.assign(*l);
        std::string_view why;
        auto m = v1::parse(line, &why);
        if (!m) protocol_error("bad line from server: " + std::string(why));
        if (m->verb == v1::Verb::ping) {
          out.clear();
          v1::put_pong(out, m->text);
          conn.write_all(out);
          continue;
        }
        if (m->verb == v1::Verb::error)
          throw Error(Error::Kind::rejected, std::string(m->code), "server error " + std::string(m->code) + ": " +
                                                                        std::string(m->text));
        if (m->verb == v1::Verb::shutdown) throw Error(Error::Kind::closed, "", "the server is shutting down");
        if (m->verb == v1::Verb::queue) {
          if (opt.on_queue) opt.on_queue(m->number);
          continue;
        }
        if (m->verb == v1::Verb::revoked) {
          if (granted && turn == m->number) granted = false;
          if (opt.on_revoked) opt.on_revoked(m->number);
          continue;
        }
        return *m;
      }
      if (lines.overflow()) protocol_error("line from server too long");
      std::string chunk;
      fill(chunk, heartbeat);
      lines.append(chunk);
    }
  }

  void detect() {
    // Our server greets with "BATON 1\n"; the seed's server says GO or WAIT at once.
    std::string first;
    const auto deadline = std::chrono::steady_clock::now() + opt.connect_timeout;
    while (first.empty()) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw Error(Error::Kind::unavailable, "", "the server said nothing after connecting");
      conn.read_some(first, milliseconds(100));
    }
    if (first[0] == 'B') proto = Protocol::v1;
    else if (first[0] == 'G' || first[0] == 'W') proto = Protocol::legacy;
    else protocol_error("unknown server protocol");
    if (opt.protocol != Protocol::automatic && opt.protocol != proto)
      protocol_error(proto == Protocol::v1 ? "server speaks v1, legacy was required"
                                           : "server speaks legacy, v1 was required");
    if (proto == Protocol::legacy) {
      signals.append(first);
      return;
    }
    lines.append(first);
    const auto greet = next_v1();
    if (greet.verb != v1::Verb::greeting) protocol_error("server did not greet");
    if (greet.number != static_cast<std::uint64_t>(kProtocolVersion))
      protocol_error("server speaks protocol version " + std::to_string(greet.number));
    out.clear();
    v1::put_hello(out, opt.role == Role::watcher, opt.ring, opt.name);
    conn.write_all(out);
    const auto welcome = next_v1();
    if (welcome.verb != v1::Verb::welcome) protocol_error("WELCOME expected");
    if (welcome.number2 > 0) heartbeat = std::min(heartbeat, milliseconds(welcome.number2));
  }
};

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
  impl_->conn.connect(impl_->opt.host, impl_->opt.port, impl_->opt.connect_timeout);
  impl_->detect();
}

Protocol Client::protocol() const { return impl_->proto; }

Grant Client::await_grant() {
  Impl& d = *impl_;
  if (d.opt.role == Role::watcher) throw Error(Error::Kind::usage, "", "a watcher is never granted");
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
      std::string chunk;
      d.conn.read_some(chunk, d.heartbeat);
      d.signals.append(chunk);
    }
  }
  for (;;) {
    const auto m = d.next_v1();
    if (m.verb == v1::Verb::grant) {
      d.turn = m.number;
      d.granted = true;
      return Grant{m.number, milliseconds(m.number2)};
    }
    // ACK of an earlier send, an EVENT, a PONG: nothing to do while waiting.
  }
}

std::uint64_t Client::send(std::string_view payload) {
  Impl& d = *impl_;
  if (!d.granted) throw Error(Error::Kind::usage, "", "send without holding the baton");
  if (!valid_payload(payload) || payload.size() + 32 > kMaxLine)
    throw Error(Error::Kind::usage, "", "payload must be one line of at most 4000 bytes");
  d.granted = false;
  d.out.clear();
  if (d.proto == Protocol::legacy) {
    d.out.append(d.opt.name).append(":").append(payload);
    d.conn.write_all(d.out);
    return 0;
  }
  v1::put_send(d.out, d.turn, payload);
  d.conn.write_all(d.out);
  for (;;) {
    const auto m = d.next_v1();
    if (m.verb == v1::Verb::ack && m.number == d.turn) return m.number;
  }
}

std::optional<Event> Client::next_event() {
  Impl& d = *impl_;
  if (d.opt.role != Role::watcher) throw Error(Error::Kind::usage, "", "only a watcher reads events");
  try {
    for (;;) {
      const auto m = d.next_v1();
      if (m.verb == v1::Verb::event) return Event{m.number, std::string(m.name), std::string(m.text)};
    }
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::closed) return std::nullopt;
    throw;
  }
}

void Client::close() {
  Impl& d = *impl_;
  if (!d.conn.is_open()) return;
  if (d.proto == Protocol::v1) {
    try {
      d.out.clear();
      v1::put_bye(d.out);
      d.conn.write_all(d.out);
      // Wait (briefly) for the server's BYE so that it has seen us leave.
      const auto deadline = std::chrono::steady_clock::now() + milliseconds(1000);
      std::string rest;
      while (std::chrono::steady_clock::now() < deadline) {
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

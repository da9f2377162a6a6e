// Link's handshake: the server's first bytes tell v1 from the seed's legacy
// server; v1 goes on with the greeting, HELLO (1 or 2), WELCOME and, for a
// HELLO 2 member, its SESSION or RESUMED line.
#include "client/link.hpp"

namespace baton::detail {

// One handshake read, bounded by the handshake's deadline.
void Link::read_until(clock_type::time_point deadline, const char* what) {
  const auto now = clock_type::now();
  if (now >= deadline)
    throw Error(Error::Kind::unavailable, "",
                std::string(what) + " within " + std::to_string(opt_.connect_timeout.count()) + " ms");
  read_for(std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - now)));
}

// The next handshake line, parsed into line_; ERROR (e.g. SERVER_FULL,
// NAME_TAKEN) and SHUTDOWN are thrown.
v1::Message Link::handshake_line(clock_type::time_point deadline, const char* what) {
  for (;;) {
    if (auto l = hs_.next()) {
      line_ = std::move(*l);
      std::string_view why;
      auto m = v1::parse(line_, &why);
      if (!m) protocol_error("bad line from server: " + std::string(why));
      if (m->verb == v1::Verb::error || m->verb == v1::Verb::shutdown) {
        server_gone_ = true;
        throw last_word(*m);
      }
      return *m;
    }
    if (hs_.overflow()) protocol_error("line from server too long");
    read_until(deadline, what);
    hs_.append(rx_);
  }
}

void Link::handshake(Protocol want, const HelloLine& hello) {
  // Our server greets with "BATON 1\n" (or, when full, an ERROR line instead);
  // the seed's server says GO or WAIT at once.
  auto deadline = clock_type::now() + opt_.connect_timeout;
  while (hs_.empty()) {
    read_until(deadline, "the server said nothing");
    hs_.append(rx_);
  }
  const char first = hs_.front();
  if (first == 'B' || first == 'E') proto_ = Protocol::v1;
  else if (first == legacy::kGo[0] || first == legacy::kWait[0]) proto_ = Protocol::legacy;
  else protocol_error("unknown server protocol");
  if (want != Protocol::automatic && want != proto_)
    protocol_error(proto_ == Protocol::v1 ? "server speaks v1, legacy was required"
                                          : "server speaks legacy, v1 was required");
  if (proto_ == Protocol::legacy) {
    signals_.append(hs_.take_rest());
    return;
  }
  const auto greet = handshake_line(deadline, "no greeting");
  if (greet.verb != v1::Verb::greeting) protocol_error("server did not greet");
  if (greet.number != static_cast<std::uint64_t>(kProtocolVersion))
    protocol_error("server speaks protocol version " + std::to_string(greet.number));
  out_.clear();
  if (hello.version >= 2) v1::put_hello2(out_, hello.watcher, opt_.ring, opt_.name, hello.fields);
  else v1::put_hello(out_, hello.watcher, opt_.ring, opt_.name, hello.fields.token);
  write(out_);
  // A fresh budget for the answer: on a slow link the HELLO's round trip
  // alone may take a good part of it. No PINGs before WELCOME.
  deadline = clock_type::now() + opt_.connect_timeout;
  milliseconds period = opt_.heartbeat;
  for (;;) {
    const auto m = handshake_line(deadline, "no WELCOME");
    if (m.verb == v1::Verb::welcome) {
      if (m.millis > 0) period = std::min(period, milliseconds(m.millis));
      break;
    }
    if (m.verb != v1::Verb::ping) protocol_error("WELCOME expected");
    out_.clear();
    v1::put_pong(out_, m.text);
    write(out_);
  }
  // The seat comes in WELCOME's write; nothing else can come between them.
  if (hello.version >= 2 && !hello.watcher) {
    const auto s = handshake_line(deadline, "no SESSION after WELCOME");
    if (s.verb != v1::Verb::session && s.verb != v1::Verb::resumed)
      protocol_error("SESSION or RESUMED expected after WELCOME");
    seat_ = SeatLine{s.verb == v1::Verb::resumed, std::string(s.session), std::string(s.secret), s.millis, s.number};
  }
  lines_.append(hs_.take_rest());
  welcomed_ = true;
  hb_.start(period, clock_type::now());
}

}  // namespace baton::detail

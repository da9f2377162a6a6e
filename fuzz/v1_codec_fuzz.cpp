// v1 codec: LineReader over arbitrary read splits, then parse, then the
// encoders. Input: [config][4 split bytes][stream]; config bit 0 clear picks a
// small max_line so that LINE_TOO_LONG is reached without 4 KiB inputs.
// Properties:
//  - the reader neither loses nor invents bytes: its lines, each + '\n', then
//    pending() are the stream, up to the first line over max_line, after which
//    overflow() holds and no line comes out; however the reads split it;
//  - every parsed field is free of control characters (payloads may hold tab);
//  - parse(encode(m)) == m, with the version that encoders always write, and
//    the encoding is canonical (re-encoding it gives the same bytes).
#include <string>
#include <vector>

#include "core/v1_codec.hpp"
#include "fuzz_util.hpp"

using namespace baton;

namespace {

std::string encode(const v1::Message& m) {
  std::string o;
  switch (m.verb) {
    case v1::Verb::greeting: v1::put_greeting(o); break;
    case v1::Verb::welcome: v1::put_welcome(o, m.ring, m.name, m.millis); break;
    case v1::Verb::queue: v1::put_queue(o, m.number); break;
    case v1::Verb::grant: v1::put_grant(o, m.number, m.millis); break;
    case v1::Verb::ack: v1::put_ack(o, m.number); break;
    case v1::Verb::revoked: v1::put_revoked(o, m.number); break;
    case v1::Verb::event: v1::put_event(o, m.number, m.name, m.text); break;
    case v1::Verb::shutdown: v1::put_shutdown(o); break;
    case v1::Verb::error: v1::put_error(o, m.code, m.text); break;
    case v1::Verb::notice: v1::put_notice(o, m.code, m.text); break;
    case v1::Verb::hello:
      if (m.number >= 2) {
        v1::HelloOptions h;
        h.token = m.text;
        h.session = m.session;
        h.secret = m.secret;
        h.after = m.after;
        h.mode = m.mode;
        h.deferred_ack = m.deferred_ack;
        v1::put_hello2(o, m.watcher, m.ring, m.name, h);
      } else {
        v1::put_hello(o, m.watcher, m.ring, m.name, m.text);
      }
      break;
    case v1::Verb::session: v1::put_session(o, m.session, m.secret, m.millis, m.number); break;
    case v1::Verb::resumed: v1::put_resumed(o, m.session, m.secret, m.millis, m.number); break;
    case v1::Verb::passed: v1::put_passed(o, m.number, m.name); break;
    case v1::Verb::gap: v1::put_gap(o, m.number, m.next); break;
    case v1::Verb::pass: v1::put_pass(o, m.number); break;
    case v1::Verb::release: v1::put_release(o, m.number); break;
    case v1::Verb::acquire: v1::put_acquire(o); break;
    case v1::Verb::send: v1::put_send(o, m.number, m.text); break;
    case v1::Verb::ping: v1::put_ping(o, m.text); break;
    case v1::Verb::pong: v1::put_pong(o, m.text); break;
    case v1::Verb::bye: v1::put_bye(o); break;
  }
  return o;
}

void check_message(std::string_view line) {
  const auto m = v1::parse(line);
  if (!m) return;
  for (auto f : {m->ring, m->name}) FUZZ_CHECK(f.empty() || valid_name(f));
  FUZZ_CHECK(valid_payload(m->code) && m->code.find(' ') == m->code.npos);
  FUZZ_CHECK(valid_payload(m->text));

  const std::string wire = encode(*m);
  FUZZ_CHECK(!wire.empty() && wire.find('\n') == wire.size() - 1);
  // +2: the '\n', and the space before an empty payload ("PING" -> "PING \n").
  FUZZ_CHECK(wire.size() <= line.size() + 2);
  const auto back = v1::parse(std::string_view(wire).substr(0, wire.size() - 1));
  FUZZ_CHECK(back);
  const bool versioned = m->verb == v1::Verb::greeting || m->verb == v1::Verb::hello;
  FUZZ_CHECK(back->verb == m->verb);
  // Encoders write version 1, or 2 for a HELLO with key=value fields (any version >= 2).
  const std::uint64_t version = m->verb == v1::Verb::hello && m->number >= 2 ? kProtocolVersionMax : kProtocolVersion;
  FUZZ_CHECK(back->number == (versioned ? version : m->number));
  FUZZ_CHECK(back->millis == m->millis && back->watcher == m->watcher && back->next == m->next);
  FUZZ_CHECK(back->session == m->session && back->secret == m->secret && back->after == m->after &&
             back->mode == m->mode && back->deferred_ack == m->deferred_ack);
  FUZZ_CHECK(back->ring == m->ring && back->name == m->name);
  FUZZ_CHECK(back->code == m->code && back->text == m->text);
  FUZZ_CHECK(encode(*back) == wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t max_line = (data[0] & 1) ? kMaxLine : 1 + (data[0] >> 1);
  fuzz::Reads reads(data + 1, size - 1);
  v1::LineReader reader(max_line);
  std::vector<std::string> lines;
  std::string_view read;
  bool flag = false;
  while (reads.next(read, flag)) {
    reader.append(read);
    while (auto line = reader.next()) {
      FUZZ_CHECK(line->size() < max_line && line->find('\n') == line->npos);
      lines.emplace_back(*line);
      check_message(*line);
    }
  }

  // The same stream cut at every '\n' by hand.
  const std::string_view in = reads.body();
  std::size_t pos = 0, n = 0;
  for (;;) {
    const auto nl = in.find('\n', pos);
    if (nl == in.npos || nl - pos + 1 > max_line) break;
    FUZZ_CHECK(n < lines.size() && lines[n++] == in.substr(pos, nl - pos));
    pos = nl + 1;
  }
  FUZZ_CHECK(n == lines.size());
  const std::string_view rest = in.substr(pos);
  const bool too_long = rest.find('\n') != rest.npos || rest.size() >= max_line;
  FUZZ_CHECK(reader.overflow() == too_long);
  if (!too_long) FUZZ_CHECK(reader.pending() == rest);
  return 0;
}

// The v1 line codec alone: every message round-trips, bad lines are refused
// with a reason, and LineReader frames any split of the byte stream.
#include "core/v1_codec.hpp"

#include <gtest/gtest.h>

namespace baton::v1 {
namespace {

std::string line_of(std::string s) {
  EXPECT_EQ(s.back(), '\n');
  s.pop_back();
  return s;
}

TEST(V1Codec, EveryMessageRoundTrips) {
  std::string o;
  put_greeting(o);
  EXPECT_EQ(o, "BATON 1\n");
  std::string l = line_of(o);
  auto m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::greeting);
  EXPECT_EQ(m->number, 1u);

  o.clear();
  put_hello(o, false, "ring-1", "alice");
  EXPECT_EQ(o, "HELLO 1 member ring-1 alice\n");
  EXPECT_TRUE(parse("HELLO 1 member ring-1 alice")->text.empty()) << "no token";
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::hello);
  EXPECT_FALSE(m->watcher);
  EXPECT_EQ(m->ring, "ring-1");
  EXPECT_EQ(m->name, "alice");

  o.clear();
  put_hello(o, true, "r", "w");
  l = line_of(o);
  m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->watcher);

  o.clear();
  put_hello(o, false, "r", "w", "s3cr3t_-+/=");
  EXPECT_EQ(o, "HELLO 1 member r w s3cr3t_-+/=\n");
  l = line_of(o);
  m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "w");
  EXPECT_EQ(m->text, "s3cr3t_-+/=");

  o.clear();
  put_welcome(o, "r", "alice", 10000);
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::welcome);
  EXPECT_EQ(m->millis, 10000u);

  o.clear();
  put_grant(o, 18446744073709551615ull, 30000);
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::grant);
  EXPECT_EQ(m->number, 18446744073709551615ull);
  EXPECT_EQ(m->millis, 30000u);

  o.clear();
  put_send(o, 7, "hello  world\twith tab");
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::send);
  EXPECT_EQ(m->number, 7u);
  EXPECT_EQ(m->text, "hello  world\twith tab") << "the payload is the rest of the line, spaces and all";

  o.clear();
  put_event(o, 9, "bob", "x y");
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verb, Verb::event);
  EXPECT_EQ(m->name, "bob");
  EXPECT_EQ(m->text, "x y");

  o.clear();
  put_error(o, code::stale_turn, "turn 1 is not the current turn 2");
  l = line_of(o);
    m = parse(l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code, "STALE_TURN");
  EXPECT_EQ(m->text, "turn 1 is not the current turn 2");

  for (auto [put, verb] : {std::pair{&put_ack, Verb::ack}, std::pair{&put_revoked, Verb::revoked},
                           std::pair{&put_queue, Verb::queue}}) {
    o.clear();
    put(o, 12);
    l = line_of(o);
    m = parse(l);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->verb, verb);
    EXPECT_EQ(m->number, 12u);
  }
  o.clear();
  put_ping(o, "tok");
  put_pong(o, "tok");
  put_bye(o);
  put_shutdown(o);
  EXPECT_EQ(o, "PING tok\nPONG tok\nBYE\nSHUTDOWN\n");
}

TEST(V1Codec, EmptyPayloadAndCarriageReturn) {
  auto m = parse("SEND 3 ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "");
  m = parse("SEND 3");
  ASSERT_TRUE(m) << "no payload at all is an empty payload";
  EXPECT_EQ(m->text, "");
  m = parse("ACK 5\r");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->number, 5u);
}

TEST(V1Codec, BadLinesAreRefusedWithAReason) {
  const char* bad[] = {
      "",                                   // empty
      "HOWDY 1",                            // unknown verb
      "send 1 x",                           // verbs are upper case
      "SEND x payload",                     // turn not a number
      "SEND -1 x",                          // negative
      "SEND 99999999999999999999 x",        // 20 digits over 2^64-1: overflow
      "SEND 000000000000000000001 x",       // 21 digits
      "ACK",                                // missing number
      "ACK 1 2",                            // extra field
      "GRANT 1",                            // missing timeout
      "HELLO 1 member r",                   // missing name
      "HELLO 1 player r n",                 // bad role
      "HELLO x member r n",                 // bad version
      "HELLO 1 member r n tok extra",       // a field after the token
      "HELLO 1 member r n \x7f",             // a token with a control character
      "HELLO 1 member r bad/name",          // bad name charset
      "BYE now",                            // BYE takes nothing
  };
  for (const char* l : bad) {
    std::string_view why;
    EXPECT_FALSE(parse(l, &why)) << "accepted: " << l;
    EXPECT_FALSE(why.empty()) << l;
  }
  EXPECT_FALSE(parse("HELLO 1 member r " + std::string(65, 'n'))) << "names are at most 64 chars";
  EXPECT_FALSE(parse("HELLO 1 member r n " + std::string(257, 't'))) << "tokens are at most 256 chars";
  EXPECT_TRUE(parse("HELLO 1 member r " + std::string(64, 'n')));
  EXPECT_FALSE(parse(std::string("SEND 1 a\x01z", 10))) << "control characters are refused";
  EXPECT_FALSE(parse(std::string("SEND 1 a\x7fz", 10)));
}

// Found by fuzz/v1_codec_fuzz.cpp: the ERROR code was taken as is, so a
// server could put NULs or a terminal escape into Error::code() and into
// baton-client's message on stderr, while the text after it was checked.
TEST(V1Codec, ErrorCodeHasNoControlCharacters) {
  EXPECT_FALSE(parse(std::string("ERROR A\0B text", 14)));
  EXPECT_FALSE(parse("ERROR \x1b[2J text"));
  EXPECT_FALSE(parse("ERROR A\r text")) << "only a \\r that ends the line is tolerated";
  EXPECT_FALSE(parse("ERROR A\x7f text"));
  const auto m = parse("ERROR STALE_TURN turn 1 is not the current turn 2");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code, "STALE_TURN");
}

TEST(LineReader, EverySplitPointYieldsTheSameLines) {
  const std::string stream = "GRANT 1 30000\nACK 1\nQUEUE 2\nEVENT 4 bob hi there\nBYE\n";
  const std::vector<std::string> want = {"GRANT 1 30000", "ACK 1", "QUEUE 2", "EVENT 4 bob hi there", "BYE"};
  auto read_all = [&](const std::vector<std::string>& pieces) {
    LineReader r;
    std::vector<std::string> got;
    for (const auto& p : pieces) {
      r.append(p);
      while (auto l = r.next()) got.emplace_back(*l);
    }
    EXPECT_FALSE(r.overflow());
    return got;
  };
  EXPECT_EQ(read_all({stream}), want) << "several messages coalesced in one read";
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    EXPECT_EQ(read_all({stream.substr(0, i), stream.substr(i)}), want) << "split at " << i;
    for (std::size_t j = i; j <= stream.size(); j += 3)
      EXPECT_EQ(read_all({stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)}), want)
          << "split at " << i << "," << j;
  }
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  EXPECT_EQ(read_all(bytes), want) << "one byte per read";
}

TEST(LineReader, LineLengthIsBounded) {
  {
    LineReader r(16);
    r.append(std::string(15, 'x') + "\n");  // exactly 16 with the newline
    auto l = r.next();
    ASSERT_TRUE(l);
    EXPECT_EQ(l->size(), 15u);
    EXPECT_FALSE(r.overflow());
  }
  {
    LineReader r(16);
    r.append(std::string(16, 'x') + "\n");
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.overflow());
  }
  {
    LineReader r(16);  // a partial line never finished still overflows: memory stays bounded
    for (int i = 0; i < 4; ++i) {
      r.append("xxxx");
      r.next();
    }
    EXPECT_TRUE(r.overflow());
  }
}

TEST(LineReader, PendingHoldsWhatIsNotALineYet) {
  LineReader r;
  r.append("HELLO 1 member r n\nPING a\nPI");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.pending(), "PING a\nPI");
  ASSERT_TRUE(r.next());
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.pending(), "PI");
}

}  // namespace
}  // namespace baton::v1

namespace baton::v1 {
namespace {

TEST(V1CodecHello2, KeyValueFieldsAndTheirRules) {
  auto m = parse("HELLO 2 member r a token=t0k resume=0123456789abcdef:0123456789abcdef0123456789abcdef mode=lock");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->number, 2u);
  EXPECT_EQ(m->text, "t0k");
  EXPECT_EQ(m->session, "0123456789abcdef");
  EXPECT_EQ(m->secret, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(m->mode, "lock");
  auto w = parse("HELLO 2 watcher r w after=17");
  ASSERT_TRUE(w && w->after);
  EXPECT_EQ(*w->after, 17u);
  for (const char* bad : {"HELLO 2 member r a tok", "HELLO 2 member r a mode=fast", "HELLO 2 member r a after=3",
                          "HELLO 2 watcher r w resume=0123456789abcdef:0123456789abcdef0123456789abcdef",
                          "HELLO 2 member r a resume=0123:45", "HELLO 2 member r a token=a token=b",
                          "HELLO 2 member r a =x", "HELLO 2 member r a color=red", "HELLO 2 member r a ack=now",
                          "HELLO 2 watcher r w ack=deferred", "HELLO 2 member r a ack=deferred ack=deferred"})
    EXPECT_FALSE(parse(bad)) << bad;
  std::string out;
  HelloOptions o;
  o.token = "t0k";
  o.session = "0123456789abcdef";
  o.secret = "0123456789abcdef0123456789abcdef";
  o.mode = "lock";
  o.deferred_ack = true;
  put_hello2(out, false, "r", "a", o);
  EXPECT_EQ(out, "HELLO 2 member r a token=t0k resume=0123456789abcdef:0123456789abcdef0123456789abcdef mode=lock "
                 "ack=deferred\n");
  const auto back = parse(std::string_view(out).substr(0, out.size() - 1));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->deferred_ack);
  EXPECT_FALSE(parse("HELLO 2 member r a")->deferred_ack);
}

TEST(V1CodecHello2, SessionLinesRoundTrip) {
  std::string out;
  put_session(out, "0123456789abcdef", "0123456789abcdef0123456789abcdef", 5000, 0);
  put_resumed(out, "0123456789abcdef", "0123456789abcdef0123456789abcdef", 5000, 42);
  put_passed(out, 7, "alice");
  put_gap(out, 3, 9);
  put_pass(out, 8);
  put_release(out, 8);
  put_acquire(out);
  EXPECT_EQ(out,
            "SESSION 0123456789abcdef 0123456789abcdef0123456789abcdef 5000 0\n"
            "RESUMED 0123456789abcdef 0123456789abcdef0123456789abcdef 5000 42\n"
            "PASSED 7 alice\nGAP 3 9\nPASS 8\nRELEASE 8\nACQUIRE\n");
  LineReader lines;
  lines.append(out);
  const Verb want[] = {Verb::session, Verb::resumed, Verb::passed, Verb::gap, Verb::pass, Verb::release, Verb::acquire};
  for (Verb v : want) {
    auto l = lines.next();
    ASSERT_TRUE(l);
    auto m = parse(*l);
    ASSERT_TRUE(m) << *l;
    EXPECT_EQ(m->verb, v);
  }
  EXPECT_FALSE(parse("SESSION 0123 0123456789abcdef0123456789abcdef 5000 0")) << "short id";
  EXPECT_FALSE(parse("SESSION 0123456789ABCDEF 0123456789abcdef0123456789abcdef 5000 0")) << "upper case";
  EXPECT_FALSE(parse("ACQUIRE now"));
}

}  // namespace
}  // namespace baton::v1

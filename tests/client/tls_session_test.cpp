// The client library's token in HELLO, and a TLS session after the
// handshake: heartbeats, records holding many lines, and the server's last
// word arriving over TLS as it does over plain TCP (an ERROR line, then a
// bare TCP close or a reset).
#include <gtest/gtest.h>

#include <future>

#include "error_of.hpp"
#include "fake_server.hpp"
#include "tls_fake_server.hpp"

namespace baton::test {
namespace {

using clock_type = std::chrono::steady_clock;

// Nothing listens here; the calls below fail before they would connect.
constexpr std::uint16_t kUnusedPort = 9;

TEST(Token, IsTheLastFieldOfHello) {
  std::promise<std::string> hello;
  FakeServer srv([&](Peer& p) {
    hello.set_value(p.handshake().value_or(""));
    p.bye();
  });
  auto o = srv.client("a");
  o.token = "s3cr3t-T0ken_~";
  Client c(o);
  c.connect();
  c.close();
  EXPECT_EQ(hello.get_future().get(), "HELLO 2 member default a token=s3cr3t-T0ken_~");
}

TEST(Token, NoTokenNoField) {
  std::promise<std::string> hello;
  FakeServer srv([&](Peer& p) {
    hello.set_value(p.handshake().value_or(""));
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  c.close();
  EXPECT_EQ(hello.get_future().get(), "HELLO 2 member default a");
}

TEST(Token, ThatCouldForgeAFieldOrALineIsAUsageError) {
  for (const auto& bad :
       std::vector<std::string>{"two words", "x\nSEND 1 forged", std::string(257, 't'), std::string("nul\0", 4)}) {
    ClientOptions o;
    o.port = kUnusedPort;
    o.token = bad;
    Client c(o);
    EXPECT_TRUE(has(error_of([&] { c.connect(); }, Error::Kind::usage), "token"));
  }
}

TEST(TlsLastWord, ABareTcpCloseIsTheEndOfTheStreamNotATlsError) {
  // baton-server closes TCP without close_notify: that is how it says goodbye.
  TlsFakeServer srv([](TlsPeer& p) {
    p.close_tcp();
    p.close_notify_within();
  });
  Client c(srv.client("a"));
  const auto what = error_of([&] { c.connect(); }, Error::Kind::closed);
  EXPECT_EQ(what, "the server closed the connection");
}

TEST(TlsLastWord, ErrorInsteadOfWelcomeThenCloseIsRejected) {
  TlsFakeServer srv([](TlsPeer& p) {
    p.send("BATON 1\n");
    EXPECT_TRUE(p.expect("HELLO "));
    p.send("ERROR AUTH_FAILED unknown token\n");
    p.close_tcp();  // no close_notify, as baton-server does
    p.close_notify_within();
  });
  Client c(srv.client("a"));
  const auto what = error_of([&] { c.connect(); }, Error::Kind::rejected, "AUTH_FAILED");
  EXPECT_TRUE(has(what, "unknown token")) << what;
}

TEST(TlsLastWord, ErrorAfterWelcomeThenCloseIsRejected) {
  TlsFakeServer srv([](TlsPeer& p) {
    p.handshake();
    p.send("ERROR FORBIDDEN grant withdrawn\n");
    p.close_tcp();
    p.close_notify_within();
  });
  Client c(srv.client("a"));
  c.connect();
  error_of([&] { c.await_grant(); }, Error::Kind::rejected, "FORBIDDEN");
}

TEST(TlsLastWord, ErrorThenResetIsReportedWhenAPingIsDue) {
  // Back after more than a heartbeat, the client PINGs before it reads: the
  // TLS write is what fails (without SIGPIPE, which would end this test), and
  // the ERROR record still waiting in the socket is what gets reported.
  std::promise<void> gone;
  TlsFakeServer srv([&](TlsPeer& p) {
    p.handshake();
    p.send("GRANT 1 0\n");
    std::this_thread::sleep_for(50ms);
    p.send("ERROR IDLE_TIMEOUT nothing heard for 20000 ms\n");
    p.reset();
    gone.set_value();
  });
  auto o = srv.client("a");
  o.heartbeat = 100ms;
  Client c(o);
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  ASSERT_EQ(gone.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(300ms);
  error_of([&] { c.pause(100ms); }, Error::Kind::rejected, "IDLE_TIMEOUT");
}

TEST(TlsSession, HeartbeatsFlow) {
  TlsFakeServer srv([](TlsPeer& p) {
    p.handshake(100);
    const auto ping = p.expect("PING ");
    ASSERT_TRUE(ping);
    p.send("PONG " + ping->substr(5) + "\n");
    p.bye();
  });
  auto o = srv.client("a");
  o.heartbeat = 100ms;
  Client c(o);
  c.connect();
  EXPECT_NO_THROW(c.pause(300ms));
  c.close();
}

TEST(TlsSession, ManyLinesInOneRecordAreReadWithoutWaiting) {
  // One TLS record of EVENT lines, then silence: each next_event() must come
  // from what was already decrypted, not wait for the socket to turn readable.
  constexpr int kEvents = 150;
  TlsFakeServer srv([](TlsPeer& p) {
    p.handshake();
    std::string batch;
    for (int i = 1; i <= kEvents; ++i)
      batch += "EVENT " + std::to_string(i) + " bob payload number " + std::to_string(i) + " of the batch\n";
    p.send(batch);
    p.bye();
  });
  Client c(srv.client("w", Role::watcher));
  c.connect();
  const auto start = clock_type::now();
  for (int i = 1; i <= kEvents; ++i) {
    const auto e = c.next_event();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->turn, static_cast<std::uint64_t>(i));
  }
  EXPECT_LT(clock_type::now() - start, 1s);
  c.close();
}

TEST(TlsSession, ALongPayloadArrivesWhole) {
  const std::string payload(4000, 'x');
  TlsFakeServer srv([&](TlsPeer& p) {
    p.handshake();
    p.send("GRANT 1 0\n");
    EXPECT_EQ(p.expect("SEND "), "SEND 1 " + payload);
    p.send("ACK 1\n");
    p.bye();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send(payload), 1u);
  c.close();
}

}  // namespace
}  // namespace baton::test

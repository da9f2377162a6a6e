// HELLO 2 from the client's side (docs/PROTOCOL.md, "Sessions, pass and lock
// rings"), against a fake server that plays one connection after another:
// what HELLO 2 carries, and the fall back to HELLO 1 of an older server.
#include <gtest/gtest.h>

#include <future>

#include "error_of.hpp"
#include "fake_server.hpp"

namespace baton::test {
namespace {

TEST(Hello2, CarriesTheTokenAndTheTurnOrder) {
  const std::string base = "HELLO 2 member default a token=tok";
  for (const auto& [mode, want] : {std::pair{TurnOrder::automatic, base},
                                   std::pair{TurnOrder::rotation, base + " mode=rotation"},
                                   std::pair{TurnOrder::lock, base + " mode=lock"}}) {
    std::promise<std::string> hello;
    FakeServer srv([&](Peer& p) {
      hello.set_value(p.handshake().value_or(""));
      p.bye();
    });
    auto o = srv.client("a");
    o.token = "tok";
    o.mode = mode;
    Client c(o);
    c.connect();
    EXPECT_EQ(hello.get_future().get(), want);
    c.close();
  }
}

TEST(Hello2, AWatcherSendsNeitherModeNorAfterAtFirst) {
  std::promise<std::string> hello;
  FakeServer srv([&](Peer& p) {
    hello.set_value(p.handshake().value_or(""));
    p.bye();
  });
  auto o = srv.client("w", Role::watcher);
  o.mode = TurnOrder::lock;
  Client c(o);
  c.connect();
  EXPECT_EQ(hello.get_future().get(), "HELLO 2 watcher default w");
}

TEST(Hello2, AMemberWithoutItsSessionLineIsAProtocolError) {
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\n");
    EXPECT_TRUE(p.expect("HELLO 2 "));
    p.send("WELCOME default a 10000\nQUEUE 1\n");
    p.closed_within();
  });
  Client c(srv.client("a"));
  const auto what = error_of([&] { c.connect(); }, Error::Kind::protocol);
  EXPECT_TRUE(has(what, "SESSION")) << what;
}

// An old server: BAD_VERSION to HELLO 2, then HELLO 1 on every connection.
TEST(BadVersion, FallsBackToHello1OnceAndForGood) {
  std::vector<std::string> hellos;
  auto old_server = [&](Peer& p) {
    p.send("BATON 1\n");
    hellos.push_back(p.line().value_or(""));
    p.send("ERROR BAD_VERSION this server speaks version 1\n");
    p.closed_within();
  };
  FakeServer srv({old_server,
                  [&](Peer& p) {
                    hellos.push_back(p.handshake().value_or(""));
                    p.send("GRANT 1 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 1 one");
                    p.send("ACK 1\n");
                    p.reset();
                  },
                  [&](Peer& p) {
                    hellos.push_back(p.handshake().value_or(""));
                    p.send("GRANT 2 0\n");
                    EXPECT_EQ(p.expect("SEND "), "SEND 2 two");
                    p.send("ACK 2\n");
                    p.bye();
                  }});
  auto o = srv.reconnecting_client("a");
  o.token = "tok";
  Client c(o);
  c.connect();
  EXPECT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send("one"), 1u);
  EXPECT_EQ(c.await_grant().turn, 2u);
  EXPECT_EQ(c.send("two"), 2u);
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(hellos, (std::vector<std::string>{"HELLO 2 member default a token=tok", "HELLO 1 member default a tok",
                                              "HELLO 1 member default a tok"}));
}

TEST(BadVersion, FallsBackEvenWithReconnectingOff) {
  FakeServer srv({[](Peer& p) {
                    p.send("BATON 1\n");
                    EXPECT_TRUE(p.expect("HELLO 2 "));
                    p.send("ERROR BAD_VERSION version 1 only\n");
                  },
                  [](Peer& p) {
                    EXPECT_EQ(p.handshake(), "HELLO 1 member default a");
                    p.bye();
                  }});
  Client c(srv.client("a"));
  c.connect();
  // Without HELLO 2 there is no PASS: refused before anything is written.
  error_of([&] { c.pass(); }, Error::Kind::usage);
  c.close();
}

TEST(BadVersion, ToHello1IsFatal) {
  FakeServer srv({[](Peer& p) {
                    p.send("BATON 1\n");
                    EXPECT_TRUE(p.expect("HELLO 2 "));
                    p.send("ERROR BAD_VERSION no\n");
                  },
                  [](Peer& p) {
                    p.send("BATON 1\n");
                    EXPECT_TRUE(p.expect("HELLO 1 "));
                    p.send("ERROR BAD_VERSION not even 1\n");
                  }});
  Client c(srv.reconnecting_client("a"));
  error_of([&] { c.connect(); }, Error::Kind::rejected, "BAD_VERSION");
}

TEST(BadVersion, ALockRingCannotFallBack) {
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\n");
    EXPECT_EQ(p.line(), "HELLO 2 member default a mode=lock");
    p.send("ERROR BAD_VERSION version 1 only\n");
  });
  auto o = srv.reconnecting_client("a");
  o.mode = TurnOrder::lock;
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::usage);
  EXPECT_TRUE(has(what, "HELLO 2")) << what;
}

}  // namespace
}  // namespace baton::test

// The client library against a scripted server over real loopback sockets:
// the handshake with the server's legacy probe "GO" wherever it can fall, an
// ERROR instead of WELCOME, and how a dead or departed server is reported.
#include <gtest/gtest.h>

#include <future>

#include "fake_server.hpp"

namespace baton::test {
namespace {

// After the handshake: one turn, to show the client is in a working state.
void play_one_turn(Peer& p) {
  p.send("QUEUE 1\nGRANT 1 0\n");
  EXPECT_EQ(p.expect("SEND "), "SEND 1 hello");
  p.send("ACK 1\n");
  p.bye();
}

void expect_one_turn(Client& c) {
  EXPECT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send("hello"), 1u);
  c.close();
}

struct GoCase {
  const char* name;
  std::function<void(Peer&)> greet;  // greeting, the probe somewhere, HELLO read, WELCOME
};

class GoBeforeWelcome : public ::testing::TestWithParam<GoCase> {};

TEST_P(GoBeforeWelcome, IsDroppedAndTheClientWorks) {
  FakeServer srv([greet = GetParam().greet](Peer& p) {
    greet(p);
    play_one_turn(p);
  });
  Client c(srv.client("a"));
  ASSERT_NO_THROW(c.connect());
  EXPECT_EQ(c.protocol(), Protocol::v1);
  expect_one_turn(c);
}

// WELCOME and, in the same write, the member's new seat (HELLO 2).
const std::string kWelcome = "WELCOME default a 10000\n" + seat_line("SESSION", 0);

INSTANTIATE_TEST_SUITE_P(
    Splits, GoBeforeWelcome,
    ::testing::Values(
        GoCase{"InTheGreetingsRead",
               [](Peer& p) {
                 p.send("BATON 1\nGO");
                 EXPECT_TRUE(p.expect("HELLO "));
                 p.send(kWelcome);
               }},
        GoCase{"Alone",
               [](Peer& p) {
                 p.send("BATON 1\n");
                 EXPECT_TRUE(p.expect("HELLO "));
                 std::this_thread::sleep_for(30ms);
                 p.send("GO");
                 std::this_thread::sleep_for(30ms);
                 p.send(kWelcome);
               }},
        GoCase{"SplitGThenO",
               [](Peer& p) {
                 p.send("BATON 1\n");
                 EXPECT_TRUE(p.expect("HELLO "));
                 p.send("G");
                 std::this_thread::sleep_for(30ms);
                 p.send("O");
                 std::this_thread::sleep_for(30ms);
                 p.send(kWelcome);
               }},
        GoCase{"GluedToWelcome",
               [](Peer& p) {
                 p.send("BATON 1\n");
                 EXPECT_TRUE(p.expect("HELLO "));
                 p.send(std::string("GO") + kWelcome);
               }},
        GoCase{"GThenOGluedToWelcome",
               [](Peer& p) {
                 p.send("BATON 1\nG");
                 EXPECT_TRUE(p.expect("HELLO "));
                 p.send(std::string("O") + kWelcome);
               }},
        GoCase{"NoProbeAtAll",
               [](Peer& p) {
                 EXPECT_TRUE(p.handshake());
               }}),
    [](const ::testing::TestParamInfo<GoCase>& i) { return std::string(i.param.name); });

TEST(Handshake, WelcomeMayTakeLongerThanAHeartbeat) {
  // A slow link: WELCOME comes after several of the client's heartbeats; the
  // client waits (up to connect_timeout) and sends no PING before WELCOME.
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\n");
    EXPECT_TRUE(p.expect("HELLO "));
    p.send("GO");
    EXPECT_FALSE(p.line(600ms)) << "nothing may follow HELLO before WELCOME";
    p.send(kWelcome);
    play_one_turn(p);
  });
  auto o = srv.client("a");
  o.heartbeat = 150ms;
  Client c(o);
  ASSERT_NO_THROW(c.connect());
  expect_one_turn(c);
}

TEST(Handshake, ErrorInsteadOfWelcomeIsRejectedWithItsCode) {
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\nGO");
    EXPECT_TRUE(p.expect("HELLO "));
    p.send("ERROR NAME_TAKEN member a is already in ring default\n");
    EXPECT_TRUE(p.closed_within());
  });
  Client c(srv.client("a"));
  try {
    c.connect();
    FAIL() << "connected despite ERROR";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::rejected) << e.what();
    EXPECT_EQ(e.code(), "NAME_TAKEN");
    EXPECT_NE(std::string(e.what()).find("already in ring"), std::string::npos) << e.what();
  }
}

TEST(Handshake, ErrorInsteadOfTheGreetingIsRejectedWithItsCode) {
  FakeServer srv([](Peer& p) { p.send("ERROR SERVER_FULL 2 clients connected\n"); });
  Client c(srv.client("a"));
  try {
    c.connect();
    FAIL() << "connected to a full server";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::rejected) << e.what();
    EXPECT_EQ(e.code(), "SERVER_FULL");
  }
}

TEST(Handshake, TheSeedsServerIsStillDetectedAsLegacy) {
  FakeServer srv([](Peer& p) {
    p.send("WAIT");
    std::this_thread::sleep_for(20ms);
    p.send("WAITGO");
    EXPECT_TRUE(p.closed_within());  // after its NAME:NUMBER, which has no line to read
  });
  Client c(srv.client("Client1"));
  c.connect();
  EXPECT_EQ(c.protocol(), Protocol::legacy);
  EXPECT_EQ(c.await_grant().turn, 0u);
  EXPECT_EQ(c.send("1"), 0u);
  c.close();
}

// The server's last word was an ERROR line, then it closed the connection with
// a reset while the client was busy elsewhere. The next call must report the
// server's reason, not the socket's symptom ("Broken pipe", "reset by peer").
void expect_rejected_idle(const std::function<void()>& call) {
  try {
    call();
    FAIL() << "the call succeeded on a closed connection";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::rejected) << e.what();
    EXPECT_EQ(e.code(), "IDLE_TIMEOUT") << e.what();
  }
}

std::function<void(Peer&)> grant_then_error_and_reset(std::promise<void>& gone) {
  return [&gone](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 1 0\n");
    std::this_thread::sleep_for(50ms);  // the client has taken the grant and went away
    p.send("ERROR IDLE_TIMEOUT nothing heard for 20000 ms\n");
    p.reset();
    gone.set_value();
  };
}

TEST(LastWord, ErrorBeforeTheServerClosedIsReportedBySend) {
  std::promise<void> gone;
  FakeServer srv(grant_then_error_and_reset(gone));
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  ASSERT_EQ(gone.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(50ms);
  expect_rejected_idle([&] { c.send("late"); });
}

TEST(LastWord, ErrorBeforeTheServerClosedIsReportedWhenAPingIsDue) {
  // Back after more than a heartbeat, the client PINGs before it reads: the
  // write is what fails.
  std::promise<void> gone;
  FakeServer srv(grant_then_error_and_reset(gone));
  auto o = srv.client("a");
  o.heartbeat = 100ms;
  Client c(o);
  c.connect();
  ASSERT_EQ(c.await_grant().turn, 1u);
  ASSERT_EQ(gone.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(300ms);
  expect_rejected_idle([&] { c.pause(100ms); });
}

TEST(LastWord, ShutdownBeforeTheServerClosedIsClosed) {
  std::promise<void> gone;
  FakeServer srv([&](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.send("GRANT 1 0\nSHUTDOWN\n");
    p.reset();
    gone.set_value();
  });
  Client c(srv.client("a"));
  c.connect();
  ASSERT_EQ(gone.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_EQ(c.await_grant().turn, 1u);
  try {
    c.send("late");
    FAIL() << "sent to a server that shut down";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::closed) << e.what();
    EXPECT_NE(std::string(e.what()).find("shutting down"), std::string::npos) << e.what();
  }
}

// A server that keeps the socket open but never writes again (hung, or a
// black-holed link): the client gives up after 3 heartbeats of silence.
template <typename Call>
void expect_presumed_dead(Role role, Call call) {
  FakeServer srv([](Peer& p) {
    EXPECT_TRUE(p.handshake());
    p.closed_within(10s);  // swallows the client's PINGs, answers nothing
  });
  auto o = srv.client("a", role);
  o.heartbeat = 200ms;
  Client c(o);
  c.connect();
  auto result = std::async(std::launch::async, [&] { call(c); });
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready) << "still waiting on a silent server";
  try {
    result.get();
    FAIL() << "a silent server went unnoticed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::closed) << e.what();
    EXPECT_NE(std::string(e.what()).find("presumed dead"), std::string::npos) << e.what();
  }
}

TEST(SilentServer, IsPresumedDeadInsideAwaitGrant) {
  expect_presumed_dead(Role::member, [](Client& c) { c.await_grant(); });
}

TEST(SilentServer, IsPresumedDeadInsidePause) {
  expect_presumed_dead(Role::member, [](Client& c) { c.pause(10s); });
}

TEST(SilentServer, IsAnErrorForAWatcherNotTheEndOfTheStream) {
  expect_presumed_dead(Role::watcher, [](Client& c) { c.next_event(); });
}

}  // namespace
}  // namespace baton::test

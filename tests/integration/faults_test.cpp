// Bad input over real sockets: each gets its error and a closed connection,
// while the other members of the ring carry on as if nothing happened.
#include <gtest/gtest.h>

#include <atomic>

#include "harness.hpp"

namespace baton::test {
namespace {

// Two members taking `turns` turns each in the background; done() says whether
// they got through without an error.
class Bystanders {
 public:
  Bystanders(const TestServer& srv, int turns) {
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([&, i, turns, opt = srv.client("by" + std::to_string(i))] {
        try {
          Client c(opt);
          c.connect();
          for (int t = 0; t < turns; ++t) {
            c.await_grant();
            c.send(std::to_string(t));
            std::this_thread::sleep_for(2ms);
          }
          c.close();
          ++ok_;
        } catch (const std::exception& e) {
          ADD_FAILURE() << "bystander " << i << ": " << e.what();
        }
      });
    }
  }
  bool done() {
    for (auto& t : threads_) t.join();
    threads_.clear();
    return ok_ == 2;
  }
  ~Bystanders() {
    for (auto& t : threads_) t.join();
  }

 private:
  std::vector<std::thread> threads_;
  std::atomic<int> ok_{0};
};

TEST(Faults, GarbageBytesGetBadFrameAndClose) {
  TestServer srv;
  Bystanders by(srv, 100);
  RawPeer p(srv.port());
  p.hello("p", "other");
  p.send(std::string("\x01\x02\xff garbage\n", 13));
  const auto err = p.line_starting("ERROR ");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR BAD_FRAME ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
  EXPECT_TRUE(by.done());
}

TEST(Faults, GarbageInsteadOfHelloGetsBadFrame) {
  TestServer srv;
  RawPeer p(srv.port());
  EXPECT_EQ(p.line(), "BATON 1");
  p.send("GET / HTTP/1.1\r\n\r\n");
  const auto err = p.line();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR BAD_FRAME", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
}

TEST(Faults, OverlongLineGetsLineTooLongAndClose) {
  TestServer srv;
  Bystanders by(srv, 100);
  RawPeer p(srv.port());
  p.hello("p");
  p.send("SEND 1 " + std::string(100000, 'x'));  // no newline, ever
  const auto err = p.line_starting("ERROR ");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR LINE_TOO_LONG ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
  EXPECT_TRUE(by.done());
}

TEST(Faults, SendOutOfTurnGetsNotYourTurn) {
  auto cfg = TestServer::defaults();
  cfg.min_members = 1;
  TestServer srv(cfg);
  Client a(srv.client("a"));
  a.connect();
  ASSERT_EQ(a.await_grant().turn, 1u);
  RawPeer p(srv.port());
  p.hello("p");
  p.send("SEND 1 sneaky\n");  // names the current turn, but a holds it
  const auto err = p.line_starting("ERROR ");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR NOT_YOUR_TURN ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
  EXPECT_EQ(a.send("fine"), 1u) << "the holder never noticed";
}

TEST(Faults, StaleTurnNumberGetsStaleTurn) {
  auto cfg = TestServer::defaults();
  cfg.min_members = 1;
  TestServer srv(cfg);
  RawPeer p(srv.port());
  p.hello("p");
  ASSERT_EQ(p.line_starting("GRANT "), "GRANT 1 30000");
  p.send("SEND 1 one\n");
  ASSERT_EQ(p.line_starting("ACK "), "ACK 1");
  ASSERT_EQ(p.line_starting("GRANT "), "GRANT 2 30000");
  p.send("SEND 1 again\n");  // fencing: turn 1 is over
  const auto err = p.line_starting("ERROR ");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR STALE_TURN ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
}

TEST(Faults, ASendCrossingItsRevokedIsIgnoredOnce) {
  // The holder's SEND crosses its REVOKED on the wire: not fatal, nothing
  // logged or acked. A second SEND for the same dead turn is STALE_TURN.
  auto cfg = TestServer::defaults();
  cfg.min_members = 1;
  cfg.turn_timeout = std::chrono::milliseconds(100);
  TestServer srv(cfg);
  RawPeer p(srv.port());
  p.hello("p");
  ASSERT_EQ(p.line_starting("GRANT "), "GRANT 1 100");
  ASSERT_EQ(p.line(), "REVOKED 1");
  ASSERT_EQ(p.line(), "PING revoked");
  p.send("SEND 1 crossed\n");  // as if written before the REVOKED arrived
  EXPECT_EQ(p.line(), "GRANT 2 100") << "no ACK, no ERROR: resumed by its bytes and granted again";
  p.send("SEND 2 fine\n");
  ASSERT_EQ(p.line(), "ACK 2");
  ASSERT_EQ(p.line_starting("GRANT "), "GRANT 3 100");
  p.send("SEND 1 again\n");
  const auto err = p.line_starting("ERROR ");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR STALE_TURN ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
}

TEST(Faults, DuplicateNameIsRefused) {
  TestServer srv;
  Client a(srv.client("same"));
  a.connect();
  Client b(srv.client("same"));
  try {
    b.connect();
    b.await_grant();
    FAIL() << "duplicate name accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "NAME_TAKEN");
  }
}

TEST(Faults, MaxClientsIsEnforcedWithAClearError) {
  auto cfg = TestServer::defaults();
  cfg.max_clients = 2;
  TestServer srv(cfg);
  Client a(srv.client("a"));
  a.connect();
  Client b(srv.client("b"));
  b.connect();
  RawPeer third(srv.port());
  const auto l = third.line();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->rfind("ERROR SERVER_FULL ", 0), 0u) << *l;
  EXPECT_TRUE(third.closed_within());
  b.close();
  std::this_thread::sleep_for(100ms);
  RawPeer fourth(srv.port());  // a slot is free again
  EXPECT_EQ(fourth.line(), "BATON 1");
}

TEST(Faults, ClientThatNeverFinishesHelloIsDropped) {
  auto cfg = TestServer::defaults();
  cfg.hello_timeout = 300ms;
  TestServer srv(cfg);
  RawPeer p(srv.port());
  EXPECT_EQ(p.line(), "BATON 1");
  p.send("HEL");  // starts, never finishes
  const auto err = p.line(2s);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR HELLO_TIMEOUT ", 0), 0u) << *err;
  EXPECT_TRUE(p.closed_within());
}

TEST(Faults, SilentClientIsDroppedWhenLegacyDetectionIsOff) {
  auto cfg = TestServer::defaults();
  cfg.hello_timeout = 300ms;
  cfg.legacy_after = 0ms;
  TestServer srv(cfg);
  RawPeer p(srv.port());
  EXPECT_EQ(p.line(), "BATON 1");
  const auto err = p.line(2s);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rfind("ERROR HELLO_TIMEOUT ", 0), 0u) << *err;
}

TEST(Faults, WatcherThatNeverReadsIsDroppedAtMaxQueued) {
  auto cfg = TestServer::defaults();
  cfg.max_queued = 64 * 1024;
  TestServer srv(cfg);
  RawPeer lazy(srv.port());
  lazy.set_rcvbuf(4096);
  lazy.hello("lazy", "default", /*watcher=*/true);
  // Members push ~9 MB of events at a watcher that never reads: more than any socket buffers.
  std::vector<std::thread> ms;
  for (int i = 0; i < 2; ++i) {
    ms.emplace_back([&, i] {
      Client c(srv.client("big" + std::to_string(i)));
      c.connect();
      const std::string payload(3000, static_cast<char>('a' + i));
      for (int t = 0; t < 1500; ++t) {
        c.await_grant();
        c.send(payload);
      }
      c.close();
    });
  }
  for (auto& t : ms) t.join();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(srv.server().clients(), 0u) << "the lazy watcher was dropped";
  // Its connection ends: whatever it reads now finishes with the close.
  lazy.set_rcvbuf(1 << 20);
  EXPECT_TRUE(lazy.closed_within(10s));
}

TEST(Faults, LegacyPeerSendingOutOfTurnIsClosed) {
  TestServer srv;
  RawPeer a(srv.port());
  EXPECT_EQ(a.line(), "BATON 1");
  RawPeer b(srv.port());
  EXPECT_EQ(b.line(), "BATON 1");
  // Both stay silent: each is probed with one GO and is nobody's holder yet.
  EXPECT_EQ(a.bytes(1s), "GO");
  EXPECT_EQ(b.bytes(1s), "GO");
  a.send("Client9:1");
  std::this_thread::sleep_for(100ms);
  b.send("Client8:2");
  // Both answers are committed as turns 1 and 2; a holds turn 3 and is sent GO.
  EXPECT_EQ(a.bytes(1s), "GO");
  b.send("Client8:4");  // not its turn
  EXPECT_TRUE(b.closed_within());
  a.send("Client9:3");
  EXPECT_FALSE(a.closed_within(300ms)) << "the holder carries on";
}

}  // namespace
}  // namespace baton::test

// Protocol detection alone: what a new connection is, from its bytes and its silence.
#include "core/peer_detector.hpp"

#include <gtest/gtest.h>

namespace baton {
namespace {

template <class T>
bool is(const PeerDetector::Verdict& v) {
  return std::holds_alternative<T>(v);
}

TEST(PeerDetector, HelloBeforeTheQuietTimeIsV1) {
  PeerDetector d(kMaxLine, true);
  EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_bytes("HELLO 1 member def", false)));
  const auto v = d.on_bytes("ault alice\nPING x\n", false);
  ASSERT_TRUE(is<PeerDetector::Hello>(v));
  const auto& h = std::get<PeerDetector::Hello>(v);
  EXPECT_EQ(h.ring, "default");
  EXPECT_EQ(h.name, "alice");
  EXPECT_FALSE(h.watcher);
  EXPECT_EQ(h.leftover, "PING x\n");
  EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_quiet())) << "a peer that spoke is never probed";
}

TEST(PeerDetector, SilenceIsProbedOnceAndCostsNothingElse) {
  PeerDetector d(kMaxLine, true);
  EXPECT_TRUE(is<PeerDetector::Probe>(d.on_quiet()));
  EXPECT_TRUE(d.probed());
  EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_quiet())) << "one GO, never two";
}

TEST(PeerDetector, NoProbeWhenLegacyIsOff) {
  PeerDetector d(kMaxLine, false);
  EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_quiet()));
  EXPECT_FALSE(d.probed());
}

TEST(PeerDetector, HelloAfterTheProbeIsStillV1AtEverySplit) {
  const std::string hello = "HELLO 1 watcher r w\n";
  for (std::size_t i = 1; i < hello.size(); ++i) {
    PeerDetector d(kMaxLine, true);
    ASSERT_TRUE(is<PeerDetector::Probe>(d.on_quiet()));
    EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_bytes(hello.substr(0, i), false))) << i;
    const auto v = d.on_bytes(hello.substr(i), false);
    ASSERT_TRUE(is<PeerDetector::Hello>(v)) << i;
    EXPECT_TRUE(std::get<PeerDetector::Hello>(v).watcher);
  }
}

TEST(PeerDetector, AnswerToTheProbeIsTheSeedClient) {
  PeerDetector d(kMaxLine, true);
  ASSERT_TRUE(is<PeerDetector::Probe>(d.on_quiet()));
  const auto v = d.on_bytes("Client1:1", false);
  ASSERT_TRUE(is<PeerDetector::Legacy>(v));
  EXPECT_EQ(std::get<PeerDetector::Legacy>(v).name, "Client1");
  EXPECT_EQ(std::get<PeerDetector::Legacy>(v).payload, "1");
}

TEST(PeerDetector, ALegacyNameThatStartsLikeHelloIsStillLegacy) {
  PeerDetector d(kMaxLine, true);
  ASSERT_TRUE(is<PeerDetector::Probe>(d.on_quiet()));
  EXPECT_TRUE(is<PeerDetector::NeedMore>(d.on_bytes("HELL", false)));
  const auto v = d.on_bytes("O:5", false);
  ASSERT_TRUE(is<PeerDetector::Legacy>(v));
  EXPECT_EQ(std::get<PeerDetector::Legacy>(v).name, "HELLO");
}

TEST(PeerDetector, LegacyBytesBeforeTheProbeAreABadFrame) {
  PeerDetector d(kMaxLine, true);
  const auto v = d.on_bytes("Client1:1", false);
  EXPECT_TRUE(is<PeerDetector::NeedMore>(v)) << "no newline yet: a v1 line in progress";
  const auto w = d.on_bytes("\n", false);
  ASSERT_TRUE(is<PeerDetector::Refuse>(w));
  EXPECT_EQ(std::get<PeerDetector::Refuse>(w).code, v1::code::bad_frame);
}

TEST(PeerDetector, Refusals) {
  auto first = [](std::string_view bytes) {
    PeerDetector d(64, true);
    return d.on_bytes(bytes, false);
  };
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first("GET / HTTP/1.1\r\n")).code, v1::code::bad_frame);
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first("HELLO 3 member r n\n")).code, v1::code::bad_version);
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first("HELLO 0 member r n\n")).code, v1::code::bad_version);
  EXPECT_EQ(std::get<PeerDetector::Hello>(first("HELLO 2 member r n mode=lock\n")).mode, RingPolicy::lock);
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first("HELLO 2 member r n secretword\n")).code, v1::code::bad_frame);
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first("SEND 1 x\n")).code, v1::code::bad_frame);
  EXPECT_EQ(std::get<PeerDetector::Refuse>(first(std::string(100, 'H'))).code, v1::code::line_too_long);
  PeerDetector d(kMaxLine, true);
  ASSERT_TRUE(is<PeerDetector::Probe>(d.on_quiet()));
  EXPECT_EQ(std::get<PeerDetector::Refuse>(d.on_bytes("bad name:1", false)).code, v1::code::bad_frame);
  PeerDetector big(kMaxLine, true);
  ASSERT_TRUE(is<PeerDetector::Probe>(big.on_quiet()));
  EXPECT_TRUE(is<PeerDetector::NeedMore>(big.on_bytes("Client1:" + std::string(1016, '1'), true)));
  EXPECT_TRUE(is<PeerDetector::Refuse>(big.on_bytes(std::string(80, '1'), false)))
      << "over 1024 bytes: refused whole, never a prefix";
}

}  // namespace
}  // namespace baton

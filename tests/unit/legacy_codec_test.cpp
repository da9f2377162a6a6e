// The seed's unframed bytes: GO/WAIT at any split, NAME:NUMBER per read.
#include "core/legacy_codec.hpp"

#include <gtest/gtest.h>

namespace baton::legacy {
namespace {

using Sig = SignalReader::Signal;

std::vector<Sig> signals_of(const std::vector<std::string>& pieces, SignalReader::State* state = nullptr) {
  SignalReader r;
  std::vector<Sig> out;
  for (const auto& p : pieces) {
    r.append(p);
    while (auto s = r.next()) out.push_back(*s);
  }
  if (state) *state = r.state();
  return out;
}

TEST(LegacySignals, WaitWaitGoInOneReadAndAtEverySplit) {
  const std::string s = "WAITWAITGO";
  const std::vector<Sig> want = {Sig::wait, Sig::wait, Sig::go};
  EXPECT_EQ(signals_of({s}), want);
  for (std::size_t i = 0; i <= s.size(); ++i)
    for (std::size_t j = i; j <= s.size(); ++j)
      EXPECT_EQ(signals_of({s.substr(0, i), s.substr(i, j - i), s.substr(j)}), want) << i << "," << j;
  EXPECT_EQ(signals_of({"GOWAIT"}), (std::vector<Sig>{Sig::go, Sig::wait}));
}

TEST(LegacySignals, GarbageIsReported) {
  for (const char* g : {"GX", "HELLO", "WAIX", "go"}) {
    SignalReader::State st{};
    signals_of({g}, &st);
    EXPECT_EQ(st, SignalReader::State::garbage) << g;
  }
  SignalReader::State st{};
  EXPECT_EQ(signals_of({"WAITG"}, &st), std::vector<Sig>{Sig::wait});
  EXPECT_EQ(st, SignalReader::State::ok) << "a prefix of GO is just incomplete";
}

TEST(LegacyMessages, WholeMessage) {
  MessageReader r;
  ASSERT_EQ(r.append("Client1:1"), MessageReader::Result::complete);
  const auto m = r.take();
  EXPECT_EQ(m.name, "Client1");
  EXPECT_EQ(m.payload, "1");
  ASSERT_EQ(r.append("Client1:3"), MessageReader::Result::complete) << "take() empties the reader";
  EXPECT_EQ(r.take().payload, "3");
}

TEST(LegacyMessages, SplitBeforeOrAtTheColonIsHarmless) {
  const std::string s = "Client2:14";
  for (std::size_t i = 1; i <= s.find(':') + 1; ++i) {
    MessageReader r;
    EXPECT_EQ(r.append(s.substr(0, i)), MessageReader::Result::incomplete) << i;
    ASSERT_EQ(r.append(s.substr(i)), MessageReader::Result::complete) << i;
    const auto m = r.take();
    EXPECT_EQ(m.name, "Client2");
    EXPECT_EQ(m.payload, "14");
  }
}

TEST(LegacyMessages, SplitInsideThePayloadCompletesEarly) {
  // The known limit of an unframed protocol (docs/PROTOCOL.md): the read
  // boundary is the message boundary, as in the seed's own server.
  MessageReader r;
  ASSERT_EQ(r.append("Client2:1"), MessageReader::Result::complete);
  EXPECT_EQ(r.take().payload, "1");
}

TEST(LegacyMessages, InvalidInput) {
  auto verdict = [](const std::string& s) {
    MessageReader r;
    return r.append(s);
  };
  EXPECT_EQ(verdict(std::string(65, 'a')), MessageReader::Result::invalid) << "no colon after a name's worth";
  EXPECT_EQ(verdict("bad name:1"), MessageReader::Result::invalid);
  EXPECT_EQ(verdict(":5"), MessageReader::Result::invalid);
  EXPECT_EQ(verdict(std::string("a:1\x02", 4)), MessageReader::Result::invalid);
  EXPECT_EQ(verdict("a:" + std::string(1100, '1')), MessageReader::Result::invalid) << "bounded at 1024";
  for (const std::string& bad : {std::string("bad name:1"), std::string(":5"), "a:" + std::string(1100, '1')}) {
    MessageReader r;
    ASSERT_EQ(r.append(bad), MessageReader::Result::invalid) << bad;
    EXPECT_STRNE(r.why(), "") << "an invalid message says why: " << bad;
  }
}

}  // namespace
}  // namespace baton::legacy

namespace baton::legacy {
namespace {

TEST(LegacyMessages, AMessageOverTheLimitIsRefusedWholeNotTakenAsAPrefix) {
  // The first read fills the buffer and the socket holds more: not complete yet.
  MessageReader r;
  const std::string first = "Client1:" + std::string(1016, '7');  // exactly 1024 bytes
  ASSERT_EQ(r.append(first, /*more_coming=*/true), MessageReader::Result::incomplete);
  EXPECT_EQ(r.append(std::string(76, '7')), MessageReader::Result::invalid);
}

TEST(LegacyMessages, AMessageOfExactlyTheLimitIsAccepted) {
  MessageReader r;
  const std::string whole = "Client1:" + std::string(1016, '7');
  ASSERT_EQ(r.append(whole), MessageReader::Result::complete);
  EXPECT_EQ(r.take().payload.size(), 1016u);
}

}  // namespace
}  // namespace baton::legacy

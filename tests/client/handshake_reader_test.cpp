// The pre-WELCOME reader alone: the server's probe "GO" is dropped wherever
// the reads split the stream, exactly once, and nothing else is touched.
#include <gtest/gtest.h>

#include <vector>

#include "client/handshake.hpp"

namespace baton::detail {
namespace {

// Feeds `stream` in pieces cut at the given offsets and collects every line.
std::vector<std::string> lines_of(const std::string& stream, const std::vector<std::size_t>& cuts, std::string* rest) {
  HandshakeReader r;
  std::vector<std::string> got;
  std::size_t from = 0;
  auto drain = [&] {
    while (auto l = r.next()) got.push_back(*l);
  };
  for (const std::size_t cut : cuts) {
    r.append(std::string_view(stream).substr(from, cut - from));
    from = cut;
    drain();
  }
  r.append(std::string_view(stream).substr(from));
  drain();
  *rest = r.take_rest();
  return got;
}

const std::vector<std::string> kExpected = {"BATON 1", "WELCOME default a 10000", "QUEUE 1"};

TEST(HandshakeReader, DropsTheProbeAtEverySplitOfTheStream) {
  const std::string stream = "BATON 1\nGOWELCOME default a 10000\nQUEUE 1\nGR";
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      std::string rest;
      EXPECT_EQ(lines_of(stream, {i, j}, &rest), kExpected) << "cuts at " << i << " and " << j;
      EXPECT_EQ(rest, "GR") << "bytes after the last line are the session's";
    }
  }
}

TEST(HandshakeReader, WithoutAProbeNothingIsDropped) {
  std::string rest;
  EXPECT_EQ(lines_of("BATON 1\nWELCOME default a 10000\nQUEUE 1\n", {3, 9}, &rest), kExpected);
}

TEST(HandshakeReader, TheProbeIsDroppedOnlyOnce) {
  std::string rest;
  const auto got = lines_of("BATON 1\nGOGOWELCOME default a 1\n", {}, &rest);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "GOWELCOME default a 1") << "a second GO is not the probe: the parser must refuse it";
}

TEST(HandshakeReader, AGBeforeTheGreetingIsNotAProbe) {
  std::string rest;
  EXPECT_EQ(lines_of("GOBATON 1\n", {1}, &rest), std::vector<std::string>{"GOBATON 1"});
}

TEST(HandshakeReader, ALoneGWaitsForTheNextByte) {
  HandshakeReader r;
  r.append("BATON 1\nG");
  EXPECT_EQ(r.next(), "BATON 1");
  EXPECT_FALSE(r.next());
  r.append("O");
  EXPECT_FALSE(r.next());
  r.append("ERROR HELLO_TIMEOUT no HELLO\n");
  EXPECT_EQ(r.next(), "ERROR HELLO_TIMEOUT no HELLO");
}

TEST(HandshakeReader, AnEndlessLineOverflows) {
  HandshakeReader r;
  r.append(std::string(kMaxLine, 'B'));
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.overflow());
}

}  // namespace
}  // namespace baton::detail

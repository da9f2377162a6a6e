// baton-ctl's SseReader: the WHATWG event-stream rules, on input split anywhere.
#include "sse_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::ctl {
namespace {

struct Seen {
  std::string event, data, id;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{" << s.event << "|" << s.data << "|" << s.id << "}";
}

// Feeds the pieces in order; returns every event delivered.
std::vector<Seen> read_all(SseReader& r, const std::vector<std::string>& pieces) {
  std::vector<Seen> out;
  for (const auto& p : pieces) {
    r.feed(p, [&](const SseEvent& e) {
      out.push_back({e.event, e.data, e.id});
      return true;
    });
  }
  return out;
}

std::vector<Seen> read_all(const std::string& bytes) {
  SseReader r;
  return read_all(r, {bytes});
}

// A stream with every feature at once: BOM, retry, comments, all three line
// endings, multi-line data, an id that persists, an event type that doesn't.
const std::string kStream =
    "\xEF\xBB\xBFretry: 1000\n"
    ": ping\r\n"
    "event: ring\r\nid: 7\r\ndata: {\"name\":\"default\",\r\ndata: \"turn\":7}\r\n\r\n"
    "event: turn\rid: 8\rdata: {\"turn\":8}\r\r"
    "data: plain\n\n"
    ": ping\n\n"
    "event: gone\ndata: {\"name\":\"default\"}\n\n"
    "data: torn, never ended";

const std::vector<Seen> kExpected = {
    {"ring", "{\"name\":\"default\",\n\"turn\":7}", "7"},
    {"turn", "{\"turn\":8}", "8"},
    {"message", "plain", "8"},
    {"gone", "{\"name\":\"default\"}", "8"},
};

TEST(SseReader, WholeStream) {
  SseReader r;
  EXPECT_EQ(read_all(r, {kStream}), kExpected);
  EXPECT_EQ(r.retry_ms(), 1000u);
  EXPECT_EQ(r.comments(), 2u);
  EXPECT_EQ(r.last_event_id(), "8");
}

TEST(SseReader, SplitAtEveryByte) {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    SseReader r;
    EXPECT_EQ(read_all(r, {kStream.substr(0, i), kStream.substr(i)}), kExpected) << "split at " << i;
  }
}

TEST(SseReader, SplitAtEveryPairOfBytes) {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    for (std::size_t j = i; j <= kStream.size(); ++j) {
      SseReader r;
      ASSERT_EQ(read_all(r, {kStream.substr(0, i), kStream.substr(i, j - i), kStream.substr(j)}), kExpected)
          << "split at " << i << " and " << j;
    }
  }
}

TEST(SseReader, OneByteAtATime) {
  std::vector<std::string> bytes;
  for (char c : kStream) bytes.emplace_back(1, c);
  SseReader r;
  EXPECT_EQ(read_all(r, bytes), kExpected);
  EXPECT_EQ(r.retry_ms(), 1000u);
}

TEST(SseReader, CrLfSplitBetweenItsBytesIsOneLineEnd) {
  // Were the '\n' taken for a second (empty) line, "a" would be dispatched alone.
  SseReader r;
  EXPECT_EQ(read_all(r, {"data: a\r", "\ndata: b\r", "\n\r", "\n"}), (std::vector<Seen>{{"message", "a\nb", ""}}));
}

TEST(SseReader, CommentsAreNotEvents) {
  SseReader r;
  EXPECT_TRUE(read_all(r, {": ping\n\n:\n\n: data: x\n\n"}).empty());
  EXPECT_EQ(r.comments(), 3u);
}

TEST(SseReader, DataLines) {
  EXPECT_EQ(read_all("data: a\ndata: b\ndata: c\n\n"), (std::vector<Seen>{{"message", "a\nb\nc", ""}}));
  EXPECT_EQ(read_all("data\n\n"), (std::vector<Seen>{{"message", "", ""}}));           // no colon: empty value
  EXPECT_EQ(read_all("data:\ndata:\n\n"), (std::vector<Seen>{{"message", "\n", ""}}));
  EXPECT_EQ(read_all("data:  two\n\n"), (std::vector<Seen>{{"message", " two", ""}}));  // one space stripped
  EXPECT_EQ(read_all("data:x:y\n\n"), (std::vector<Seen>{{"message", "x:y", ""}}));     // only the first colon
  EXPECT_EQ(read_all("datum: x\nDATA: y\n\n"), std::vector<Seen>{});                     // unknown fields
}

TEST(SseReader, EventTypeIsPerEvent) {
  EXPECT_EQ(read_all("event: turn\ndata: 1\n\ndata: 2\n\n"),
            (std::vector<Seen>{{"turn", "1", ""}, {"message", "2", ""}}));
  // An event without data is not dispatched, and its type does not leak.
  EXPECT_EQ(read_all("event: gap\n\ndata: 3\n\n"), (std::vector<Seen>{{"message", "3", ""}}));
  EXPECT_EQ(read_all("event:\ndata: 4\n\n"), (std::vector<Seen>{{"message", "4", ""}}));
}

TEST(SseReader, IdPersistsUntilChanged) {
  SseReader r;
  EXPECT_EQ(read_all(r, {"id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"}),
            (std::vector<Seen>{{"message", "a", "5"}, {"message", "b", "5"}, {"message", "c", ""}}));
  // An id with no data still becomes the last event ID at its blank line.
  read_all(r, {"id: 9\n\n"});
  EXPECT_EQ(r.last_event_id(), "9");
  // A NUL in an id makes the spec ignore it.
  read_all(r, {std::string("id: 1\0 2\n\n", 10)});
  EXPECT_EQ(r.last_event_id(), "9");
}

TEST(SseReader, TornEventNeitherDispatchesNorMovesTheId) {
  SseReader r;
  EXPECT_TRUE(read_all(r, {"id: 3\ndata: a\n\nid: 4\ndata: half"}).size() == 1);
  EXPECT_EQ(r.last_event_id(), "3");  // a reconnection resumes after 3, not after the torn 4
}

TEST(SseReader, CarriesAnIdIntoANewConnection) {
  SseReader r;
  r.set_last_event_id("42");
  EXPECT_EQ(read_all(r, {"data: x\n\n"}), (std::vector<Seen>{{"message", "x", "42"}}));
}

TEST(SseReader, Retry) {
  SseReader r;
  read_all(r, {"retry: 2500\n"});
  EXPECT_EQ(r.retry_ms(), 2500u);
  read_all(r, {"retry: 1.5\nretry: -1\nretry:\nretry: 99999999999999999999999\n"});  // all ignored
  EXPECT_EQ(r.retry_ms(), 2500u);
}

TEST(SseReader, BomOnlyAtTheStart) {
  EXPECT_EQ(read_all("\xEF\xBB\xBF" "data: a\n\n"), (std::vector<Seen>{{"message", "a", ""}}));
  SseReader r;
  EXPECT_EQ(read_all(r, {"\xEF", "\xBB", "\xBF" "da", "ta: b\n\n"}), (std::vector<Seen>{{"message", "b", ""}}));
  // A second BOM belongs to the field name: an unknown field.
  EXPECT_EQ(read_all("\xEF\xBB\xBF\xEF\xBB\xBF" "data: c\n\n"), std::vector<Seen>{});
}

TEST(SseReader, StopsWhenAsked) {
  SseReader r;
  int n = 0;
  EXPECT_FALSE(r.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n", [&](const SseEvent&) { return ++n < 2; }));
  EXPECT_EQ(n, 2);
}

TEST(SseReader, RefusesAnOversizeLine) {
  SseReader r(16, 64);
  EXPECT_NO_THROW(read_all(r, {"data: 0123456789\n\n"}));  // exactly 16
  EXPECT_THROW(read_all(r, {"data: 01234567890\n"}), SseError);
  // Also when the line comes in pieces and never ends.
  SseReader pieces(16, 64);
  EXPECT_THROW(read_all(pieces, {"data: 0123", "456789", "0"}), SseError);
}

TEST(SseReader, RefusesAnOversizeEventAfterDeliveringTheOnesBefore) {
  SseReader r(64, 16);
  std::vector<Seen> got;
  EXPECT_THROW(r.feed("data: ok\n\ndata: 12345678\ndata: 12345678\n\n",
                      [&](const SseEvent& e) {
                        got.push_back({e.event, e.data, e.id});
                        return true;
                      }),
               SseError);
  EXPECT_EQ(got, (std::vector<Seen>{{"message", "ok", ""}}));
}

TEST(SseReader, DefaultBoundIsOneMebibyte) {
  SseReader r;
  const std::string big(SseReader::kDefaultMax - 6, 'x');
  EXPECT_EQ(read_all(r, {"data: " + big + "\n\n"}).size(), 1u);
  EXPECT_THROW(read_all(r, {"data: " + big + "x\n\n"}), SseError);
  // Many lines each under the bound, together over it.
  SseReader lines;
  const std::string half(SseReader::kDefaultMax / 2, 'y');
  EXPECT_THROW(read_all(lines, {"data: " + half + "\ndata: " + half + "\ndata: z\n\n"}), SseError);
}

}  // namespace
}  // namespace baton::ctl

#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace baton {
namespace {

using namespace std::chrono;

TEST(Duration, PlainSecondsAndUnits) {
  EXPECT_EQ(parse_duration("1"), microseconds(1000000));
  EXPECT_EQ(parse_duration("0"), microseconds(0));
  EXPECT_EQ(parse_duration("0.1"), microseconds(100000));
  EXPECT_EQ(parse_duration("100ms"), microseconds(100000));
  EXPECT_EQ(parse_duration("1.5s"), microseconds(1500000));
  EXPECT_EQ(parse_duration("2m"), microseconds(120000000));
  EXPECT_EQ(parse_duration("250us"), microseconds(250));
}

TEST(Duration, Rejects) {
  for (const char* s : {"", "-1", "abc", "1h", "1 s", "nan", "inf", "s", "1e30"})
    EXPECT_FALSE(parse_duration(s)) << s;
}

}  // namespace
}  // namespace baton

// The admin port's request targets (server/admin_request): endpoints, ring
// names, paging bounds, unknown parameters, bearer tokens. No sockets.
#include "server/admin_request.hpp"

#include <gtest/gtest.h>

namespace baton::server {
namespace {

using E = AdminRequest::Endpoint;

TEST(AdminRequest, Endpoints) {
  EXPECT_EQ(parse_admin_target("/").endpoint, E::page);
  EXPECT_EQ(parse_admin_target("/?v=2").endpoint, E::page);
  EXPECT_EQ(parse_admin_target("/livez").endpoint, E::livez);
  EXPECT_EQ(parse_admin_target("/readyz").endpoint, E::readyz);
  EXPECT_EQ(parse_admin_target("/metrics").endpoint, E::metrics);
  EXPECT_EQ(parse_admin_target("/status").endpoint, E::status);
  EXPECT_EQ(parse_admin_target("/rings").endpoint, E::rings);
  EXPECT_EQ(parse_admin_target("/events").endpoint, E::events);
  EXPECT_EQ(parse_admin_target("/nope").endpoint, E::not_found);
  EXPECT_EQ(parse_admin_target("/rings/a/b").endpoint, E::not_found);
  EXPECT_EQ(parse_admin_target("/metrics/").endpoint, E::not_found);
}

TEST(AdminRequest, RingNamesAreCheckedAndDecoded) {
  auto r = parse_admin_target("/rings/pay-1.x_y");
  EXPECT_EQ(r.endpoint, E::ring);
  EXPECT_EQ(r.ring, "pay-1.x_y");
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(parse_admin_target("/rings/%61bc").ring, "abc") << "percent-decoded";
  EXPECT_FALSE(parse_admin_target("/rings/a%20b").error.empty()) << "a space is not a name character";
  EXPECT_FALSE(parse_admin_target("/rings/..%2f..").error.empty());
  EXPECT_FALSE(parse_admin_target("/rings/" + std::string(65, 'a')).error.empty()) << "over 64 characters";
  EXPECT_FALSE(parse_admin_target("/events?ring=%00").error.empty());
}

TEST(AdminRequest, Paging) {
  auto r = parse_admin_target("/rings?limit=5&after=m");
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.limit, 5u);
  EXPECT_EQ(r.after, "m");
  EXPECT_EQ(parse_admin_target("/rings").limit, kDefaultRingsPage);
  EXPECT_EQ(parse_admin_target("/rings?limit=1000").limit, 1000u);
  for (const char* bad : {"/rings?limit=0", "/rings?limit=1001", "/rings?limit=-1", "/rings?limit=x",
                          "/rings?limit=99999999999999999999", "/rings?after=a%20b", "/rings?page=2"})
    EXPECT_FALSE(parse_admin_target(bad).error.empty()) << bad;
}

TEST(AdminRequest, EventStreams) {
  auto r = parse_admin_target("/events?ring=blue&after=42");
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.ring, "blue");
  EXPECT_EQ(r.after_turn, 42u);
  EXPECT_FALSE(parse_admin_target("/events?after=42").error.empty()) << "after needs a ring";
  EXPECT_FALSE(parse_admin_target("/events?ring=blue&after=-3").error.empty());
  EXPECT_FALSE(parse_admin_target("/status?x=1").error.empty()) << "unknown parameters are refused";
  EXPECT_FALSE(parse_admin_target("http://evil/status").error.empty()) << "origin form only";
}

TEST(AdminRequest, BearerTokens) {
  EXPECT_EQ(bearer_token(std::nullopt), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(parse_turn("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_turn("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_turn(""), std::nullopt);
  EXPECT_EQ(parse_turn("1x"), std::nullopt);
}

}  // namespace
}  // namespace baton::server

namespace baton::server {
namespace {

TEST(AdminRequest, Actions) {
  using E = AdminRequest::Endpoint;
  using K = AdminAction::Kind;
  auto r = parse_admin_target("/rings/r1/kick?member=alice");
  EXPECT_EQ(r.endpoint, E::action);
  EXPECT_EQ(r.ring, "r1");
  EXPECT_EQ(r.action.kind, K::kick);
  EXPECT_EQ(r.action.member, "alice");
  r = parse_admin_target("/rings/r1/set?turn_timeout=1.5s&min_members=3");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.action.turn_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.action.min_members, 3u);
  EXPECT_EQ(parse_admin_target("/rings/r1/skip").action.kind, K::skip);
  for (const char* bad : {"/rings/r1/kick", "/rings/r1/kick?member=a%20b", "/rings/r1/set", "/rings/r1/set?min_members=0",
                          "/rings/r1/set?min_members=1001", "/rings/r1/skip?x=1", "/rings/r1/set?turn_timeout=-1s"}) {
    const auto b = parse_admin_target(bad);
    EXPECT_FALSE(b.error.empty()) << bad;
    EXPECT_EQ(b.endpoint, E::action) << bad << ": a bad parameter is a 400 for the action, not a 405";
  }
  const auto unknown = parse_admin_target("/rings/r1/explode");
  EXPECT_EQ(unknown.endpoint, E::not_found);
  EXPECT_TRUE(unknown.ring.empty());
}

}  // namespace
}  // namespace baton::server

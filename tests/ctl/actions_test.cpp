// baton-ctl's actions: the POST targets it builds and the lines it prints from
// the success JSON of docs/ADMIN.md ("Actions").
#include "actions.hpp"

#include <gtest/gtest.h>

#include <boost/url/parse.hpp>

#include "render.hpp"

namespace baton::ctl {
namespace {

using nlohmann::json;

CtlOptions action(Command c, std::string ring = "r") {
  CtlOptions o;
  o.command = c;
  o.ring = std::move(ring);
  return o;
}

TEST(ActionTarget, EachActionIsItsPathUnderTheRing) {
  EXPECT_EQ(action_target(action(Command::skip)), "/rings/r/skip");
  EXPECT_EQ(action_target(action(Command::pause, "pay-2.x_y")), "/rings/pay-2.x_y/pause");
  EXPECT_EQ(action_target(action(Command::resume)), "/rings/r/resume");
  EXPECT_EQ(action_target(action(Command::drain)), "/rings/r/drain");
  auto kick = action(Command::kick);
  kick.member = "bob";
  EXPECT_EQ(action_target(kick), "/rings/r/kick?member=bob");
}

TEST(ActionTarget, SetSendsWhatWasGivenAsItWasWritten) {
  auto o = action(Command::set);
  o.turn_timeout = "500ms";
  EXPECT_EQ(action_target(o), "/rings/r/set?turn_timeout=500ms");
  o.min_members = 3;
  EXPECT_EQ(action_target(o), "/rings/r/set?turn_timeout=500ms&min_members=3");
  o.turn_timeout.clear();
  EXPECT_EQ(action_target(o), "/rings/r/set?min_members=3");
}

// What the server's parser (Boost.URL's params(), '+' read as a space) gets back.
TEST(ActionTarget, ValuesAreEncodedSoTheServerDecodesThemExactly) {
  auto o = action(Command::set);
  o.turn_timeout = "1e+3ms";
  const auto target = action_target(o);
  EXPECT_EQ(target, "/rings/r/set?turn_timeout=1e%2B3ms");
  auto kick = action(Command::kick);
  kick.member = "a b&c=d%+/";
  const auto kick_target = action_target(kick);
  const auto parsed = boost::urls::parse_origin_form(kick_target);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->params().size(), 1u);
  const auto p = *parsed->params().begin();
  EXPECT_EQ(p.key, "member");
  EXPECT_EQ(p.value, "a b&c=d%+/");
  EXPECT_EQ(parsed->segments().size(), 3u);
}

TEST(RenderAction, OneLineEachFromTheServersJson) {
  EXPECT_EQ(render_action(Command::skip, json::parse(R"({"ok":true,"ring":"r","action":"skip","by":"ops",
                                                          "member":"alice","turn":17})")),
            "skipped alice in ring r (turn 17 revoked)\n");
  EXPECT_EQ(render_action(Command::kick, json::parse(R"({"ok":true,"ring":"r","action":"kick","by":"ops",
                                                          "member":"bob"})")),
            "kicked bob from ring r\n");
  EXPECT_EQ(render_action(Command::pause, json::parse(R"({"ok":true,"ring":"r","action":"pause","by":"o"})")),
            "paused ring r\n");
  EXPECT_EQ(render_action(Command::resume, json::parse(R"({"ok":true,"ring":"r","action":"resume","by":"o"})")),
            "resumed ring r\n");
  EXPECT_EQ(render_action(Command::set, json::parse(R"({"ok":true,"ring":"r","action":"set","by":"o",
                                                         "turn_timeout_ms":5000,"min_members":3})")),
            "ring r: turn timeout 5000 ms, min members 3\n");
  EXPECT_EQ(render_action(Command::set, json::parse(R"({"ok":true,"ring":"r","action":"set","by":"o",
                                                         "turn_timeout_ms":0,"min_members":1})")),
            "ring r: turn timeout none, min members 1\n");
  EXPECT_EQ(render_action(Command::drain, json::parse(R"({"ok":true,"ring":"r","action":"drain","by":"o"})")),
            "draining ring r\n");
}

TEST(RenderAction, MissingFieldsShowAsUnknownAndControlsAsQuestionMarks) {
  EXPECT_EQ(render_action(Command::skip, json::parse(R"({"ok":true,"ring":"r"})")),
            "skipped ? in ring r (turn ? revoked)\n");
  EXPECT_EQ(render_action(Command::kick, json::parse(R"({"ok":true,"ring":"r\u001b[2J","member":"b\nc"})")),
            "kicked b?c from ring r?[2J\n");
  EXPECT_EQ(render_action(Command::set, json::parse(R"({"ok":true,"ring":"r"})")),
            "ring r: turn timeout ?, min members ?\n");
}

TEST(RenderAction, AnythingButASuccessForThisActionIsMalformed) {
  EXPECT_THROW(render_action(Command::skip, json::parse("[1,2]")), MalformedReply);
  EXPECT_THROW(render_action(Command::skip, json::parse(R"({"ring":"r"})")), MalformedReply);
  EXPECT_THROW(render_action(Command::skip, json::parse(R"({"ok":false,"ring":"r"})")), MalformedReply);
  EXPECT_THROW(render_action(Command::skip, json::parse(R"({"ok":"yes","ring":"r"})")), MalformedReply);
  EXPECT_THROW(render_action(Command::pause, json::parse(R"({"ok":true,"ring":"r","action":"drain"})")),
               MalformedReply);
}

}  // namespace
}  // namespace baton::ctl

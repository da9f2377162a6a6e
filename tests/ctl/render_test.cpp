// baton-ctl's human output from the sample JSON of docs/ADMIN.md.
#include "render.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace baton::ctl {
namespace {

using nlohmann::json;

const json kStatus = json::parse(R"({"version":"0.1.0","io_backend":"epoll","started_at_ms":1764770000000,
 "uptime_seconds":12.5,"threads":2,"state":"ready","ready":true,"auth":false,"tls":false,
 "journal":{"enabled":false,"dir":null,"syncs":0,"errors":0},
 "connections":{"open":2,"limit":16384,"members":2,"watchers":0,"v1":2,"legacy":0,"tls":0,"handshakes":0},
 "rings":{"open":1,"waiting":0,"limit":16384},
 "totals":{"grants":40,"sends":39,"revoked":0,"holder_left":0,"received_bytes":812,"sent_bytes":1530,
           "log_lines_dropped":0,"connections_accepted":2,
           "connections_closed":{"bye":0,"peer_closed":0,"error":0,"slow_consumer":0,"idle":0,
                                 "turn_timeout":0,"shutdown":0,"refused":0,"server_full":0,"auth":0,"quota":0}},
 "turns_per_second":3.9})");

const json kRings = json::parse(R"({"rings":[{"name":"default","members":2,"watchers":0,"holder":"Client1",
 "turn":1764770001234567,"turn_left_ms":29512,"queue":1,"grants":40,"state":"running"},
 {"name":"payroll-long-name","members":1,"watchers":3,"holder":null,"turn":7,"turn_left_ms":null,"queue":0,
  "grants":7,"state":"waiting"}],"next":null})");

const json kRing = json::parse(R"({"name":"default","members":[
   {"name":"Client1","position":0,"state":"holder","wire":"v1"},
   {"name":"Client2","position":1,"state":"queued","wire":"legacy"},
   {"name":"c3","position":null,"state":"suspended","wire":"v1"}],
 "watchers":0,"holder":"Client1","turn":1764770001234567,"turn_left_ms":29512,"queue":1,"grants":40,
 "state":"running","min_members":2,"turn_timeout_ms":30000,"payloads":true,
 "events":[{"turn":1764770001234565,"kind":"joined","name":"c3","at_ms":1764770000500,"payload":null,"truncated":false},
           {"turn":1764770001234566,"kind":"sent","name":"Client2","at_ms":1764770001000,"payload":"2","truncated":false},
           {"turn":1764770001234567,"kind":"sent","name":"Client1","at_ms":1764770001250,"payload":"long one",
            "truncated":true}]})");

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every line's value starts in the same column (after the key and two blanks).
void expect_aligned_pairs(const std::string& text) {
  std::size_t column = std::string::npos;
  for (const auto& l : lines(text)) {
    const auto key_end = l.find(' ');
    const auto value = l.find_first_not_of(' ', key_end == std::string::npos ? 0 : key_end);
    if (l.empty()) break;
    if (column == std::string::npos) column = value;
    EXPECT_EQ(value, column) << l;
  }
}

TEST(Render, Status) {
  const auto text = render_status(kStatus);
  EXPECT_NE(text.find("version      0.1.0 (epoll)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("state        ready\n"), std::string::npos) << text;
  EXPECT_NE(text.find("uptime       12.5s, since 2025-12-03 13:53:20 UTC\n"), std::string::npos) << text;
  EXPECT_NE(text.find("threads      2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("security     auth off, tls off\n"), std::string::npos) << text;
  EXPECT_NE(text.find("connections  2 open of 16384; v1 2, legacy 0, tls 0; members 2, watchers 0; 0 in handshake\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("rings        1 open, 0 waiting, limit 16384\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turns/s      3.9\n"), std::string::npos) << text;
  EXPECT_NE(text.find("totals       40 grants, 39 sends, 0 revoked, 0 holder left; 812 bytes in, 1530 out\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("accepted     2 connections; closed: none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("journal      off\n"), std::string::npos) << text;
  expect_aligned_pairs(text);
}

TEST(Render, StatusWithJournalAndClosedConnections) {
  auto st = kStatus;
  st["journal"] = {{"enabled", true}, {"dir", "/var/lib/baton"}, {"syncs", 12}, {"errors", 1}};
  st["totals"]["connections_closed"]["idle"] = 3;
  st["totals"]["log_lines_dropped"] = 5;
  const auto text = render_status(st);
  EXPECT_NE(text.find("journal      /var/lib/baton: 12 syncs, 1 errors\n"), std::string::npos) << text;
  EXPECT_NE(text.find("closed: idle 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("; 5 log lines dropped"), std::string::npos) << text;
}

TEST(Render, StatusToleratesMissingFieldsButNotANonObject) {
  const auto text = render_status(json::object({{"version", "0.2.0"}}));
  EXPECT_NE(text.find("0.2.0 (?)"), std::string::npos) << text;
  EXPECT_NE(text.find("state        ?\n"), std::string::npos) << text;
  EXPECT_THROW(render_status(json::array()), MalformedReply);
}

TEST(Render, RingsTable) {
  std::vector<json> rings(kRings["rings"].begin(), kRings["rings"].end());
  const auto got = lines(render_rings(rings));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "NAME               STATE    HOLDER   TURN              MEMBERS  WATCHERS  QUEUE  LEFT");
  EXPECT_EQ(got[1], "default            running  Client1  1764770001234567  2        0         1      29.5s");
  EXPECT_EQ(got[2], "payroll-long-name  waiting  -        7                 1        3         0      -");
}

TEST(Render, RingsTableEmptyAndMalformed) {
  EXPECT_EQ(render_rings({}), "NAME  STATE  HOLDER  TURN  MEMBERS  WATCHERS  QUEUE  LEFT\n");
  EXPECT_THROW(render_rings({json(3)}), MalformedReply);
}

TEST(Render, Ring) {
  const auto text = render_ring(kRing);
  EXPECT_NE(text.find("name          default\n"), std::string::npos) << text;
  EXPECT_NE(text.find("holder        Client1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turn left     29.5s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("members       3 (1 queued)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turn timeout  30s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("payloads      shown\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MEMBER   POSITION  STATE      WIRE\n"
                      "Client1  0         holder     v1\n"
                      "Client2  1         queued     legacy\n"
                      "c3       -         suspended  v1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("TURN              KIND    NAME     AT (UTC)      PAYLOAD\n"
                      "1764770001234565  joined  c3       13:53:20.500\n"
                      "1764770001234566  sent    Client2  13:53:21.000  2\n"
                      "1764770001234567  sent    Client1  13:53:21.250  long one (truncated)\n"),
            std::string::npos)
      << text;
}

TEST(Render, RingWithoutPayloadRights) {
  auto ring = kRing;
  ring["payloads"] = false;
  for (auto& e : ring["events"]) e["payload"] = nullptr;
  const auto text = render_ring(ring);
  EXPECT_NE(text.find("payloads      hidden"), std::string::npos) << text;
  EXPECT_EQ(text.find("PAYLOAD"), std::string::npos) << text;
  EXPECT_NE(text.find("1764770001234566  sent    Client2  13:53:21.000\n"), std::string::npos) << text;
}

TEST(Render, RingWithNoEventsAndNoTimeout) {
  auto ring = kRing;
  ring["events"] = json::array();
  ring["turn_timeout_ms"] = 0;
  ring["turn_left_ms"] = nullptr;
  const auto text = render_ring(ring);
  EXPECT_NE(text.find("turn timeout  never\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turn left     -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("no events yet\n"), std::string::npos) << text;
  EXPECT_THROW(render_ring(json("default")), MalformedReply);
}

TEST(Render, ControlCharactersNeverReachTheTerminal) {
  auto ring = kRing;
  ring["events"][1]["payload"] = "evil\x1b[2J\nforged line";
  const auto text = render_ring(ring);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("evil?[2J?forged line\n"), std::string::npos) << text;
}

SseEvent event(std::string type, std::string data, std::string id = "") {
  SseEvent e;
  e.event = std::move(type);
  e.data = std::move(data);
  e.id = std::move(id);
  return e;
}

TEST(Render, WatchLines) {
  EXPECT_EQ(render_watch_event(event("turn", R"({"turn":12,"kind":"sent","name":"alice","at_ms":1,"payload":"hello world","truncated":false})")),
            "12 sent alice: hello world");
  EXPECT_EQ(render_watch_event(event("turn", R"({"turn":12,"kind":"sent","name":"alice","at_ms":1,"payload":null,"truncated":false})")),
            "12 sent alice");
  EXPECT_EQ(render_watch_event(event("turn", R"({"turn":13,"kind":"joined","name":"bob","at_ms":1})")), "13 joined bob");
  EXPECT_EQ(render_watch_event(event("turn", R"({"turn":14,"kind":"sent","name":"a","payload":"x","truncated":true})")),
            "14 sent a: x (truncated)");
  EXPECT_EQ(render_watch_event(event("gap", R"({"after":5,"first":9})")),
            "gap: events after turn 5 are gone from the server's history; it resumes at turn 9");
  EXPECT_EQ(render_watch_event(event("gone", R"({"name":"default"})")),
            "gone: ring default was deleted (no one left in it); still watching for it");
  EXPECT_EQ(render_watch_event(event("ring", R"({"name":"default"})")), "");
  EXPECT_THROW(render_watch_event(event("turn", "not json")), MalformedReply);
}

TEST(Render, WatchJsonKeepsTheServersData) {
  const auto line = render_watch_json(event("turn", "{\"turn\":12,\n\"kind\":\"sent\"}", "12"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = json::parse(line);
  EXPECT_EQ(j["event"], "turn");
  EXPECT_EQ(j["id"], "12");
  EXPECT_EQ(j["data"]["turn"], 12);
  EXPECT_EQ(j["data"]["kind"], "sent");
  EXPECT_EQ(json::parse(render_watch_json(event("gone", R"({"name":"r"})")))["id"], "");
  EXPECT_THROW(render_watch_json(event("ring", "{")), MalformedReply);
}

TEST(Render, Durations) {
  EXPECT_EQ(human_duration_ms(0), "0s");
  EXPECT_EQ(human_duration_ms(-5), "0s");
  EXPECT_EQ(human_duration_ms(512), "512ms");
  EXPECT_EQ(human_duration_ms(29512), "29.5s");
  EXPECT_EQ(human_duration_ms(30000), "30s");
  EXPECT_EQ(human_duration_ms(125000), "2m5s");
  EXPECT_EQ(human_duration_ms(3725000), "1h2m5s");
  EXPECT_EQ(human_duration_ms(2.0 * 86400000 + 3 * 3600000 + 4 * 60000), "2d3h4m");
}

}  // namespace
}  // namespace baton::ctl

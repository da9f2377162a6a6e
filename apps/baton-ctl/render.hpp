// baton-ctl's human output: aligned key/value lines and tables from the admin
// API's JSON (docs/ADMIN.md). Pure, so the tests feed it sample JSON.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sse_reader.hpp"

namespace baton::ctl {

// The JSON does not have the shape docs/ADMIN.md gives it (exit 70).
class MalformedReply : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// s with its control characters as '?': whatever the server sent, a name or
// payload must not move the cursor or start a line of its own on a terminal.
std::string clean(std::string_view s);

// /status: version, state, uptime, threads, connections, rings, turns/s, totals, journal.
std::string render_status(const nlohmann::json& status);

// The rings of one or more /rings pages: NAME STATE HOLDER TURN MEMBERS WATCHERS QUEUE LEFT.
std::string render_rings(const std::vector<nlohmann::json>& rings);

// /rings/NAME: its fields, its members in turn order, its last events.
std::string render_ring(const nlohmann::json& ring);

// One line for an event of /events?ring=NAME, or "" for one a person does not
// need to see (the ring's state, which changes on every turn).
std::string render_watch_event(const SseEvent& event);

// --json's line for an event: {"event":TYPE,"id":ID,"data":DATA}.
std::string render_watch_json(const SseEvent& event);

// 29512 ms -> "29.5s", 3725000 -> "1h2m5s": for uptimes and turn timeouts.
std::string human_duration_ms(double ms);

}  // namespace baton::ctl

#include "server/admin_json.hpp"

namespace baton::server {

using nlohmann::json;

json ring_json(const RingSummary& s) {
  return json{{"name", s.name},
              {"members", s.members},
              {"watchers", s.watchers},
              {"holder", s.holder ? json(*s.holder) : json(nullptr)},
              {"turn", s.turn},
              {"turn_left_ms", s.turn_left_ms ? json(*s.turn_left_ms) : json(nullptr)},
              {"queue", s.queue},
              {"grants", s.grants},
              {"state", state_name(s.state)}};
}

json event_json(const RingEvent& e, bool payloads) {
  json j{{"turn", e.turn}, {"kind", kind_name(e.kind)}, {"name", e.name}, {"at_ms", e.at_ms}};
  if (e.kind == RingEvent::Kind::sent) {
    j["payload"] = payloads ? json(e.payload) : json(nullptr);
    j["truncated"] = payloads && e.truncated;
  } else if (e.kind == RingEvent::Kind::admin) {
    j["payload"] = e.payload;  // what an operator did: no member's data
    j["truncated"] = e.truncated;
  }
  return j;
}

json ring_detail_json(const RingDetail& d, bool payloads) {
  json j = ring_json(d.summary);
  j["min_members"] = d.min_members;
  j["turn_timeout_ms"] = d.turn_timeout_ms;
  j["mode"] = d.lock ? "lock" : "rotation";
  j["paused"] = d.paused;
  j["draining"] = d.draining;
  json members = json::array();
  for (const auto& m : d.members) {
    const char* state = m.state == MemberView::State::holder      ? "holder"
                        : m.state == MemberView::State::queued    ? "queued"
                        : m.state == MemberView::State::suspended ? "suspended"
                                                                  : "idle";
    members.push_back({{"name", m.name},
                       {"position", m.position ? json(*m.position) : json(nullptr)},
                       {"state", state},
                       {"detached", m.detached},
                       {"wire", m.wire == Wire::v1 ? "v1" : "legacy"}});
  }
  j["members"] = std::move(members);
  j["payloads"] = payloads;
  json events = json::array();
  for (const auto& e : d.events) events.push_back(event_json(e, payloads));
  j["events"] = std::move(events);
  return j;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace baton::server

// The admin API's JSON shapes (docs/ADMIN.md) from the hub's plain views.
// Pure: no I/O. Invalid UTF-8 in a payload becomes U+FFFD when dumped.
#pragma once

#include <nlohmann/json.hpp>

#include "core/ring_view.hpp"

namespace baton::server {

nlohmann::json ring_json(const RingSummary& s);
// payloads: the reader may see payloads (watcher or admin on the ring, or no --auth-file).
nlohmann::json event_json(const RingEvent& e, bool payloads);
nlohmann::json ring_detail_json(const RingDetail& d, bool payloads);
// One line of JSON, never throwing on bad UTF-8.
std::string dump(const nlohmann::json& j);

}  // namespace baton::server

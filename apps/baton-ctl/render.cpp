#include "render.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <utility>

#include <fmt/format.h>

namespace baton::ctl {

using nlohmann::json;

std::string clean(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

namespace {

using Rows = std::vector<std::vector<std::string>>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string text(const json& v) {
  if (v.is_string()) return clean(v.get_ref<const std::string&>());
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return clean(v.dump());
}

// A field the server left out shows as "?" rather than ending the command:
// an older or newer server still gets the rest of its answer shown.
const json& at(const json& obj, const char* key) {
  static const json missing = "?";
  if (!obj.is_object()) return missing;
  const auto it = obj.find(key);
  return it == obj.end() ? missing : *it;
}

// For the fields whose absence means "none" (a payload), not "unknown".
const json& opt(const json& obj, const char* key) {
  static const json none;
  if (!obj.is_object()) return none;
  const auto it = obj.find(key);
  return it == obj.end() ? none : *it;
}

std::string val(const json& obj, const char* key) { return text(at(obj, key)); }

double number(const json& obj, const char* key, double otherwise = 0) {
  const auto& v = at(obj, key);
  return v.is_number() ? v.get<double>() : otherwise;
}

std::string on_off(const json& v) { return v.is_boolean() ? (v.get<bool>() ? "on" : "off") : text(v); }

std::string pairs(const Pairs& kv) {
  std::size_t w = 0;
  for (const auto& [k, v] : kv) w = std::max(w, k.size());
  std::string out;
  for (const auto& [k, v] : kv) out += fmt::format("{:<{}}  {}\n", k, w, v);
  return out;
}

std::string table(const Rows& rows) {
  std::vector<std::size_t> w;
  for (const auto& r : rows) {
    w.resize(std::max(w.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i)
      line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}  ", r[i], w[i]);
    line.erase(line.find_last_not_of(' ') + 1);  // no trailing blanks for a short last cell
    out += line + "\n";
  }
  return out;
}

std::string left_ms(const json& v) { return v.is_number() ? human_duration_ms(v.get<double>()) : "-"; }

// at_ms as UTC wall-clock time: the events are the last few, so the day is noise.
std::string clock_utc(const json& v) {
  if (!v.is_number()) return "-";
  const auto ms = static_cast<long long>(v.get<double>());
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (::gmtime_r(&secs, &tm) == nullptr) return "-";
  return fmt::format("{:02}:{:02}:{:02}.{:03}", tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string date_utc(const json& v) {
  if (!v.is_number()) return "?";
  const std::time_t secs = static_cast<std::time_t>(v.get<double>() / 1000);
  std::tm tm{};
  if (::gmtime_r(&secs, &tm) == nullptr) return "?";
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string closed_reasons(const json& closed) {
  std::string out;
  if (closed.is_object()) {
    for (const auto& [reason, n] : closed.items()) {
      if (n.is_number() && n.get<double>() == 0) continue;
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", clean(reason), text(n));
    }
  }
  return out.empty() ? "none" : out;
}

json parse_data(const SseEvent& e) {
  auto j = json::parse(e.data, nullptr, false);
  if (j.is_discarded()) throw MalformedReply("a `" + clean(e.event) + "` event whose data is not JSON");
  return j;
}

}  // namespace

std::string human_duration_ms(double ms) {
  if (!(ms > 0)) return "0s";
  if (ms < 1000) return fmt::format("{}ms", std::llround(ms));
  if (ms < 60'000) {
    auto s = fmt::format("{:.1f}", ms / 1000);
    if (s.ends_with(".0")) s.resize(s.size() - 2);
    return s + "s";
  }
  const auto total = static_cast<long long>(ms / 1000);
  const long long d = total / 86400, h = total / 3600 % 24, m = total / 60 % 60, s = total % 60;
  if (d > 0) return fmt::format("{}d{}h{}m", d, h, m);
  if (h > 0) return fmt::format("{}h{}m{}s", h, m, s);
  return fmt::format("{}m{}s", m, s);
}

std::string render_status(const json& st) {
  if (!st.is_object()) throw MalformedReply("/status is not a JSON object");
  const auto& c = at(st, "connections");
  const auto& r = at(st, "rings");
  const auto& t = at(st, "totals");
  const auto& j = at(st, "journal");
  const bool journal_on = opt(j, "enabled") == true;
  std::string totals = fmt::format("{} grants, {} sends, {} revoked, {} holder left; {} bytes in, {} out",
                                   val(t, "grants"), val(t, "sends"), val(t, "revoked"), val(t, "holder_left"),
                                   val(t, "received_bytes"), val(t, "sent_bytes"));
  if (number(t, "log_lines_dropped") > 0) totals += fmt::format("; {} log lines dropped", val(t, "log_lines_dropped"));
  const auto uptime = at(st, "uptime_seconds");
  return pairs({
      {"version", fmt::format("{} ({})", val(st, "version"), val(st, "io_backend"))},
      {"state", val(st, "state")},
      {"uptime", fmt::format("{}, since {}", uptime.is_number() ? human_duration_ms(uptime.get<double>() * 1000) : "?",
                             date_utc(at(st, "started_at_ms")))},
      {"threads", val(st, "threads")},
      {"security", fmt::format("auth {}, tls {}", on_off(at(st, "auth")), on_off(at(st, "tls")))},
      {"connections", fmt::format("{} open of {}; v1 {}, legacy {}, tls {}; members {}, watchers {}; {} in handshake",
                                  val(c, "open"), val(c, "limit"), val(c, "v1"), val(c, "legacy"), val(c, "tls"),
                                  val(c, "members"), val(c, "watchers"), val(c, "handshakes"))},
      {"rings", fmt::format("{} open, {} waiting, limit {}", val(r, "open"), val(r, "waiting"), val(r, "limit"))},
      {"turns/s", at(st, "turns_per_second").is_number()
                      ? fmt::format("{:.1f}", at(st, "turns_per_second").get<double>())
                      : val(st, "turns_per_second")},
      {"totals", totals},
      {"accepted", fmt::format("{} connections; closed: {}", val(t, "connections_accepted"),
                               closed_reasons(at(t, "connections_closed")))},
      {"journal", journal_on ? fmt::format("{}: {} syncs, {} errors", val(j, "dir"), val(j, "syncs"), val(j, "errors"))
                             : std::string("off")},
  });
}

std::string render_rings(const std::vector<json>& rings) {
  Rows rows{{"NAME", "STATE", "HOLDER", "TURN", "MEMBERS", "WATCHERS", "QUEUE", "LEFT"}};
  for (const auto& r : rings) {
    if (!r.is_object()) throw MalformedReply("a ring in /rings is not a JSON object");
    rows.push_back({val(r, "name"), val(r, "state"), val(r, "holder"), val(r, "turn"), val(r, "members"),
                    val(r, "watchers"), val(r, "queue"), left_ms(at(r, "turn_left_ms"))});
  }
  return table(rows);
}

std::string render_ring(const json& ring) {
  if (!ring.is_object()) throw MalformedReply("/rings/NAME is not a JSON object");
  const bool payloads = opt(ring, "payloads") == true;
  const auto& timeout = at(ring, "turn_timeout_ms");
  std::string out = pairs({
      {"name", val(ring, "name")},
      {"state", val(ring, "state")},
      {"holder", val(ring, "holder")},
      {"turn", val(ring, "turn")},
      {"turn left", left_ms(at(ring, "turn_left_ms"))},
      // Here "members" is the list itself, where /rings has its count.
      {"members", fmt::format("{} ({} queued)", at(ring, "members").is_array() ? std::to_string(at(ring, "members").size())
                                                                               : val(ring, "members"),
                              val(ring, "queue"))},
      {"watchers", val(ring, "watchers")},
      {"grants", val(ring, "grants")},
      {"min members", val(ring, "min_members")},
      {"turn timeout", !timeout.is_number() ? text(timeout)
                       : timeout.get<double>() == 0 ? std::string("never")
                                                    : human_duration_ms(timeout.get<double>())},
      {"payloads", payloads ? "shown" : "hidden (they need a token with watcher or admin on this ring)"},
  });
  Rows members{{"MEMBER", "POSITION", "STATE", "WIRE"}};
  const auto& ms = at(ring, "members");
  if (ms.is_array()) {
    for (const auto& m : ms) members.push_back({val(m, "name"), val(m, "position"), val(m, "state"), val(m, "wire")});
  }
  out += "\n" + table(members);
  const auto& events = at(ring, "events");
  if (!events.is_array() || events.empty()) return out + "\nno events yet\n";
  Rows ev{{"TURN", "KIND", "NAME", "AT (UTC)"}};
  if (payloads) ev[0].push_back("PAYLOAD");
  for (const auto& e : events) {
    ev.push_back({val(e, "turn"), val(e, "kind"), val(e, "name"), clock_utc(at(e, "at_ms"))});
    if (!payloads) continue;
    const auto& p = opt(e, "payload");
    std::string cell = p.is_string() ? clean(p.get_ref<const std::string&>()) : "";
    if (opt(e, "truncated") == true) cell += " (truncated)";
    ev.back().push_back(cell);
  }
  return out + "\nlast events, oldest first:\n" + table(ev);
}

std::string render_watch_event(const SseEvent& e) {
  if (e.event == "turn") {
    const auto d = parse_data(e);
    std::string line = fmt::format("{} {} {}", val(d, "turn"), val(d, "kind"), val(d, "name"));
    const auto& p = opt(d, "payload");
    if (p.is_string()) line += ": " + clean(p.get_ref<const std::string&>());
    if (opt(d, "truncated") == true) line += " (truncated)";
    return line;
  }
  if (e.event == "gap") {
    const auto d = parse_data(e);
    return fmt::format("gap: events after turn {} are gone from the server's history; it resumes at turn {}",
                       val(d, "after"), val(d, "first"));
  }
  if (e.event == "gone") {
    const auto d = parse_data(e);
    return fmt::format("gone: ring {} was deleted (no one left in it); still watching for it", val(d, "name"));
  }
  return {};
}

std::string render_watch_json(const SseEvent& e) {
  parse_data(e);
  // The server's data as it sent it; a newline can only be blank space
  // between JSON tokens, so a multi-line one still parses as one line.
  std::string data = e.data;
  std::replace(data.begin(), data.end(), '\n', ' ');
  // The type and id are the server's bytes too: not necessarily UTF-8.
  const auto quoted = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  return fmt::format("{{\"event\":{},\"id\":{},\"data\":{}}}", quoted(e.event), quoted(e.id), data);
}

}  // namespace baton::ctl

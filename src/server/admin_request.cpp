#include "server/admin_request.hpp"

#include <cctype>
#include <charconv>
#include <vector>

#include <boost/url/parse.hpp>

#include "core/duration.hpp"
#include "core/limits.hpp"

namespace baton::server {
namespace {

namespace urls = boost::urls;

AdminRequest bad(std::string why) {
  AdminRequest r;
  r.error = std::move(why);
  return r;
}

std::optional<AdminAction::Kind> action_kind(std::string_view name) {
  using K = AdminAction::Kind;
  for (const K k : {K::skip, K::kick, K::pause, K::resume, K::set, K::drain})
    if (name == action_name(k)) return k;
  return std::nullopt;
}

// An action's parameters: only its own, each at most once.
AdminRequest action_params(const urls::url_view& u, AdminRequest r) {
  using K = AdminAction::Kind;
  // Still an action (a POST answered 400, not a GET-only 405).
  auto bad = [&r](std::string why) {
    r.error = std::move(why);
    return r;
  };
  AdminAction& a = r.action;
  bool seen_member = false;
  for (auto p : u.params()) {
    const std::string key = p.key;
    const std::string value = p.has_value ? std::string(p.value) : std::string();
    if (a.kind == K::kick && key == "member" && !seen_member) {
      if (!valid_name(value)) return bad("member must be a member name");
      a.member = value;
      seen_member = true;
    } else if (a.kind == K::set && key == "turn_timeout" && !a.turn_timeout) {
      const auto d = parse_duration(value);
      if (!d || *d > std::chrono::hours(24 * 365)) return bad("turn_timeout must be a duration such as 30s, 500ms or 0");
      a.turn_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    } else if (a.kind == K::set && key == "min_members" && !a.min_members) {
      const auto n = parse_turn(value);
      if (!n || *n < 1 || *n > kMaxMinMembers) return bad("min_members must be 1 to 1000");
      a.min_members = static_cast<std::size_t>(*n);
    } else {
      return bad("unknown or repeated parameter " + key.substr(0, 64) + " for " + action_name(a.kind));
    }
  }
  if (a.kind == K::kick && !seen_member) return bad("kick needs member=NAME");
  if (a.kind == K::set && !a.turn_timeout && !a.min_members) return bad("set needs turn_timeout= or min_members=");
  return r;
}

}  // namespace

std::optional<std::uint64_t> parse_turn(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

AdminRequest parse_admin_target(std::string_view target) {
  const auto parsed = urls::parse_origin_form(target);
  if (!parsed) return bad("not a valid request target");
  const urls::url_view& u = *parsed;
  std::vector<std::string> segs;
  for (auto seg : u.segments()) segs.push_back(seg);
  const bool root = segs.empty() || (segs.size() == 1 && segs[0].empty());

  AdminRequest r;
  using E = AdminRequest::Endpoint;
  if (root) r.endpoint = E::page;
  else if (segs.size() == 1 && segs[0] == "livez") r.endpoint = E::livez;
  else if (segs.size() == 1 && segs[0] == "readyz") r.endpoint = E::readyz;
  else if (segs.size() == 1 && segs[0] == "metrics") r.endpoint = E::metrics;
  else if (segs.size() == 1 && segs[0] == "status") r.endpoint = E::status;
  else if (segs.size() == 1 && segs[0] == "rings") r.endpoint = E::rings;
  else if (segs.size() == 1 && segs[0] == "events") r.endpoint = E::events;
  else if (segs.size() == 2 && segs[0] == "rings") {
    r.endpoint = E::ring;
    r.ring = segs[1];
    if (!valid_name(r.ring)) return bad("a ring name is 1 to 64 of A-Z a-z 0-9 . _ -");
  } else if (segs.size() == 3 && segs[0] == "rings") {
    r.endpoint = E::action;
    r.ring = segs[1];
    if (!valid_name(r.ring)) return bad("a ring name is 1 to 64 of A-Z a-z 0-9 . _ -");
    const auto kind = action_kind(segs[2]);
    if (!kind) return AdminRequest{};  // not_found, naming nothing
    r.action.kind = *kind;
  } else {
    return r;  // not_found
  }
  if (r.endpoint == E::action) return action_params(u, std::move(r));

  for (auto p : u.params()) {
    const std::string key = p.key;
    const std::string value = p.has_value ? std::string(p.value) : std::string();
    if (r.endpoint == E::rings && key == "limit") {
      const auto n = parse_turn(value);
      if (!n || *n < 1 || *n > kMaxRingsPage) return bad("limit must be 1 to 1000");
      r.limit = static_cast<std::size_t>(*n);
    } else if (r.endpoint == E::rings && key == "after") {
      if (!value.empty() && !valid_name(value)) return bad("after must be a ring name");
      r.after = value;
    } else if (r.endpoint == E::events && key == "ring") {
      if (!valid_name(value)) return bad("a ring name is 1 to 64 of A-Z a-z 0-9 . _ -");
      r.ring = value;
    } else if (r.endpoint == E::events && key == "after") {
      r.after_turn = parse_turn(value);
      if (!r.after_turn) return bad("after must be a turn number");
    } else if (r.endpoint == E::livez || r.endpoint == E::readyz || r.endpoint == E::page) {
      continue;  // probes and browsers may add cache busters
    } else {
      return bad("unknown query parameter " + std::string(key.substr(0, 64)));
    }
  }
  if (r.after_turn && r.ring.empty()) return bad("after needs ring");
  return r;
}

std::optional<std::string> bearer_token(std::optional<std::string_view> authorization) {
  if (!authorization) return std::nullopt;
  std::string_view v = *authorization;
  constexpr std::string_view scheme = "Bearer ";
  if (v.size() <= scheme.size()) return std::string();
  for (std::size_t i = 0; i < scheme.size(); ++i)  // the scheme is case-insensitive (RFC 9110)
    if (std::tolower(static_cast<unsigned char>(v[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return std::string();
  v.remove_prefix(scheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

}  // namespace baton::server

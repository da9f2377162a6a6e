// An admin HTTP request target, parsed and checked (docs/ADMIN.md): which
// endpoint, which ring, which page. Pure: the URL grammar is Boost.URL's; the
// rules (names, bounds, unknown parameters) are ours. Unit-tested without
// sockets (tests/server/admin_request_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/hub.hpp"

namespace baton::server {

inline constexpr std::size_t kDefaultRingsPage = 100;  // /rings without limit
inline constexpr std::size_t kMaxRingsPage = 1000;     // /rings?limit= at most

struct AdminRequest {
  enum class Endpoint { page, livez, readyz, metrics, status, rings, ring, events, action, not_found };
  Endpoint endpoint = Endpoint::not_found;
  std::string ring;                   // ring, events with ?ring=
  std::string after;                  // rings: page start (exclusive)
  std::size_t limit = kDefaultRingsPage;
  std::optional<std::uint64_t> after_turn;  // events?ring=: resume after this turn
  AdminAction action;                 // action: POST /rings/NAME/<action> (its `who` is left to the caller)
  std::string error;                  // non-empty: 400 with this text
};

// --min-members and the admin action's min_members are at most this.
inline constexpr std::size_t kMaxMinMembers = 1000;

AdminRequest parse_admin_target(std::string_view target);

// "Bearer TOKEN" -> TOKEN; nullopt for no header; "" for a malformed one.
std::optional<std::string> bearer_token(std::optional<std::string_view> authorization);

// Last-Event-ID as a turn number, if it is one.
std::optional<std::uint64_t> parse_turn(std::string_view s);

}  // namespace baton::server

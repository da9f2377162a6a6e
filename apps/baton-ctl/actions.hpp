// baton-ctl's actions on a ring (docs/ADMIN.md, "Actions"): the target of the
// POST that asks for one, and the line that says what the server did. Pure,
// so the tests check the encoding and the wording without a server.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ctl_options.hpp"

namespace baton::ctl {

// The action's word in its path ("skip", "kick", ...); o.command is_action.
std::string_view action_name(Command c);

// /rings/NAME/ACTION?PARAMS for o's action, every name and value percent-encoded.
std::string action_target(const CtlOptions& o);

// One line from the server's 200 ("skipped alice in ring r (turn 17 revoked)\n");
// MalformedReply unless it is {"ok":true,...} for this action.
std::string render_action(Command c, const nlohmann::json& reply);

}  // namespace baton::ctl

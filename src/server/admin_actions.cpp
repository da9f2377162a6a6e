// POST /rings/NAME/<action> on the admin port (docs/ADMIN.md, "Actions"):
// who may act on a ring, and the JSON answer. The action itself is the
// hub's (core/hub_admin.cpp), carried out on the ring's shard thread.
#include <fmt/format.h>

#include "server/admin_http.hpp"
#include "server/admin_json.hpp"
#include "server/gate.hpp"
#include "server/log.hpp"
#include "server/status_source.hpp"

namespace baton::server {
namespace {

using nlohmann::json;

AdminHttp::ActionReply answer(unsigned status, const json& j) { return {status, dump(j) + "\n"}; }
AdminHttp::ActionReply refusal(unsigned status, std::string_view why) { return answer(status, {{"error", why}}); }

}  // namespace

asio::awaitable<AdminHttp::ActionReply> AdminHttp::action(const tcp::socket& sock, std::string ring, AdminAction a,
                                                           const std::optional<auth::Credential>& credential) {
  boost::system::error_code ec;
  const auto peer = sock.remote_endpoint(ec);
  const std::string where = ec ? std::string("?") : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  if (gate_.auth_on()) {
    // An unknown token was answered 401 already; here no token at all is.
    if (!credential) co_return refusal(401, "an action needs a Bearer token with admin on the ring");
    const auto table = gate_.table();
    if (!table || (table->roles(*credential, ring) & auth::admin) == 0) {
      log_info(fmt::format("admin port: {} refused: {} has no admin role on ring {}", where, credential->label, ring));
      co_return refusal(403, "this token has no admin role on ring " + ring);
    }
    a.who = credential->label;
  } else {
    // No credentials to check: only someone on this machine may act.
    if (ec || !peer.address().is_loopback()) {
      log_info(fmt::format("admin port: {} refused: actions without --auth-file are for loopback only", where));
      co_return refusal(403, "without --auth-file, actions are allowed from loopback only");
    }
    a.who = "admin@" + where;
  }
  const AdminAction done = a;
  const AdminOutcome out = co_await source_.act(ring, std::move(a));
  switch (out.status) {
    case AdminOutcome::Status::no_ring:
    case AdminOutcome::Status::no_member:
      co_return refusal(404, out.error);
    case AdminOutcome::Status::conflict:
      co_return refusal(409, out.error);
    case AdminOutcome::Status::ok:
      break;
  }
  json j = {{"ok", true}, {"ring", ring}, {"action", action_name(done.kind)}, {"by", done.who}};
  if (done.kind == AdminAction::Kind::skip) {
    j["member"] = out.member;
    j["turn"] = out.turn;
  } else if (done.kind == AdminAction::Kind::kick) {
    j["member"] = out.member;
  } else if (done.kind == AdminAction::Kind::set) {
    j["turn_timeout_ms"] = out.turn_timeout_ms;
    j["min_members"] = out.min_members;
  }
  co_return answer(200, j);
}

}  // namespace baton::server

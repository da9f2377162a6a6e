#include "actions.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <fmt/format.h>

#include "render.hpp"

namespace baton::ctl {

namespace urls = boost::urls;
using nlohmann::json;

namespace {

// Only the unreserved characters go as they are. Boost.URL's params().append
// leaves '+' alone, which the server's query parser reads as a space.
std::string encoded(std::string_view value) { return urls::encode(value, urls::unreserved_chars); }

// The action was done by the time its answer is read, so a field the server
// left out shows as "?" rather than turning a success into a failure.
std::string field(const json& reply, const char* key) {
  const auto it = reply.find(key);
  if (it == reply.end()) return "?";
  if (it->is_string()) return clean(it->get_ref<const std::string&>());
  return clean(it->dump());
}

}  // namespace

std::string_view action_name(Command c) {
  switch (c) {
    case Command::skip:
      return "skip";
    case Command::kick:
      return "kick";
    case Command::pause:
      return "pause";
    case Command::resume:
      return "resume";
    case Command::set:
      return "set";
    case Command::drain:
      return "drain";
    default:
      return {};
  }
}

std::string action_target(const CtlOptions& o) {
  urls::url u;
  u.set_path_absolute(true);
  auto segments = u.segments();
  segments.push_back("rings");
  segments.push_back(o.ring);
  segments.push_back(action_name(o.command));
  auto params = u.encoded_params();
  if (o.command == Command::kick) params.append({"member", encoded(o.member)});
  if (o.command == Command::set && !o.turn_timeout.empty())
    params.append({"turn_timeout", encoded(o.turn_timeout)});
  if (o.command == Command::set && o.min_members) params.append({"min_members", std::to_string(*o.min_members)});
  return std::string(u.buffer());
}

std::string render_action(Command c, const json& reply) {
  const auto name = action_name(c);
  if (!reply.is_object() || reply.value("ok", json()) != true)
    throw MalformedReply(fmt::format("the answer to {} is not {{\"ok\":true,...}}; `baton-ctl ring NAME` shows "
                                     "whether it was done", name));
  if (const auto it = reply.find("action"); it != reply.end() && *it != std::string(name))
    throw MalformedReply(fmt::format("asked for {}, the server says it did {}", name, clean(it->dump())));
  const auto ring = field(reply, "ring");
  switch (c) {
    case Command::skip:
      return fmt::format("skipped {} in ring {} (turn {} revoked)\n", field(reply, "member"), ring,
                         field(reply, "turn"));
    case Command::kick:
      return fmt::format("kicked {} from ring {}\n", field(reply, "member"), ring);
    case Command::pause:
      return fmt::format("paused ring {}\n", ring);
    case Command::resume:
      return fmt::format("resumed ring {}\n", ring);
    case Command::set: {
      const auto t = reply.find("turn_timeout_ms");
      const auto timeout = t == reply.end()              ? std::string("?")
                           : t->is_number() && *t == 0 ? std::string("none")
                                                       : field(reply, "turn_timeout_ms") + " ms";
      return fmt::format("ring {}: turn timeout {}, min members {}\n", ring, timeout, field(reply, "min_members"));
    }
    case Command::drain:
    default:
      return fmt::format("draining ring {}\n", ring);
  }
}

}  // namespace baton::ctl

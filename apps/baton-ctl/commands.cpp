#include "commands.hpp"

#include <sysexits.h>

#include <vector>

#include "actions.hpp"
#include "render.hpp"

namespace baton::ctl {

namespace {

// --all stops here even if `next` never runs out: at most this many pages
// (of 1000 rings each unless --limit says otherwise).
constexpr int kMaxPages = 1000;

void print_raw(std::ostream& out, const std::string& body) {
  out << body;
  if (body.empty() || body.back() != '\n') out << '\n';
}

}  // namespace

int run_status(AdminClient& admin, const CtlOptions& o, std::ostream& out) {
  const auto reply = admin.get_json("/status");
  if (o.json) {
    print_raw(out, reply.body);
  } else {
    out << render_status(reply.json);
  }
  return EX_OK;
}

int run_rings(AdminClient& admin, const CtlOptions& o, std::ostream& out) {
  const unsigned limit = o.limit != 0 ? o.limit : o.all ? 1000u : 0u;
  std::string after = o.after;
  std::vector<nlohmann::json> rings;
  for (int page = 0;; ++page) {
    if (page == kMaxPages)
      throw CtlError(EX_SOFTWARE, "--all: still more rings after " + std::to_string(kMaxPages) +
                                      " pages; go on with --after " + after);
    std::string path = "/rings";
    if (limit != 0) path += "?limit=" + std::to_string(limit);
    if (!after.empty()) path += std::string(limit != 0 ? "&" : "?") + "after=" + after;
    const auto reply = admin.get_json(path);
    const auto& j = reply.json;
    if (!j.is_object() || !j.contains("rings") || !j["rings"].is_array() || !j.contains("next") ||
        !(j["next"].is_null() || j["next"].is_string()))
      throw MalformedReply("the response to " + path + " is not {\"rings\":[...],\"next\":...}");
    // --json prints each page as it came: JSON lines, one page per line.
    if (o.json) print_raw(out, reply.body);
    for (const auto& r : j["rings"]) rings.push_back(r);
    if (!o.all || j["next"].is_null()) break;
    const auto next = j["next"].get<std::string>();
    // Names come in byte order: a `next` that doesn't move on would loop for ever.
    if (next <= after) throw MalformedReply("/rings: `next` " + next + " does not come after " + after);
    after = next;
  }
  if (!o.json) out << render_rings(rings);
  return EX_OK;
}

int run_ring(AdminClient& admin, const CtlOptions& o, std::ostream& out) {
  try {
    const auto reply = admin.get_json("/rings/" + o.ring);
    if (o.json) {
      print_raw(out, reply.body);
    } else {
      out << render_ring(reply.json);
    }
  } catch (const CtlError& e) {
    if (e.http_status() != 404) throw;
    throw CtlError(EX_NOINPUT, "no ring " + o.ring + " (rings exist while they have someone in them)", 404);
  }
  return EX_OK;
}

int run_action(AdminClient& admin, const CtlOptions& o, std::ostream& out) {
  const auto target = action_target(o);
  JsonReply reply;
  try {
    reply = admin.post_json(target);
  } catch (const CtlError& e) {
    // The server's error text says which: no such ring, or no such member.
    if (e.http_status() == 404) throw CtlError(EX_NOINPUT, e.what(), 404);
    if (e.http_status() == 409) throw CtlError(EX_DATAERR, e.what(), 409);
    if (e.http_status() == 405)
      throw CtlError(EX_SOFTWARE, std::string(e.what()) + " (is the server older than the admin actions?)", 405);
    throw;
  }
  // Checked with --json too: a 200 that is not a success must not exit 0.
  const auto line = render_action(o.command, reply.json);
  if (o.json) {
    print_raw(out, reply.body);
  } else {
    out << line;
  }
  return EX_OK;
}

}  // namespace baton::ctl

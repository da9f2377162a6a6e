// parse_admin_target and bearer_token (server/admin_request.hpp) on
// arbitrary request targets and header values: a stranger picks every byte
// of both. Properties: no crash; a request without an error names a valid
// ring wherever it names one, a limit within 1..kMaxRingsPage, an `after`
// that is empty or a valid name; an error is never silently ignored (the
// endpoint of an errored request is not_found, so nothing is served); a
// bearer token never contains the scheme's space-separated prefix or
// leading/trailing spaces.
#include <string>

#include "core/limits.hpp"
#include "fuzz_util.hpp"
#include "server/admin_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = baton::server::parse_admin_target(in);
  using E = baton::server::AdminRequest::Endpoint;
  if (!r.error.empty()) {
    // A bad action parameter stays an action (answered 400, not 405).
    FUZZ_CHECK(r.endpoint == E::not_found || (r.endpoint == E::action && baton::valid_name(r.ring)));
  } else {
    if (r.endpoint == E::ring || r.endpoint == E::action) FUZZ_CHECK(baton::valid_name(r.ring));
    if (r.endpoint == E::events && !r.ring.empty()) FUZZ_CHECK(baton::valid_name(r.ring));
    if (r.endpoint != E::ring && r.endpoint != E::events && r.endpoint != E::action) FUZZ_CHECK(r.ring.empty());
    if (r.endpoint == E::action) {
      using K = baton::AdminAction::Kind;
      const auto& a = r.action;
      FUZZ_CHECK((a.kind == K::kick) == !a.member.empty());
      FUZZ_CHECK(a.member.empty() || baton::valid_name(a.member));
      FUZZ_CHECK(a.kind != K::set || a.turn_timeout || a.min_members);
      FUZZ_CHECK(!a.min_members || (*a.min_members >= 1 && *a.min_members <= baton::server::kMaxMinMembers));
      FUZZ_CHECK(!a.turn_timeout || a.turn_timeout->count() >= 0);
    }
    FUZZ_CHECK(r.limit >= 1 && r.limit <= baton::server::kMaxRingsPage);
    FUZZ_CHECK(r.after.empty() || baton::valid_name(r.after));
    if (r.after_turn) FUZZ_CHECK(r.endpoint == E::events && !r.ring.empty());
  }
  if (const auto t = baton::server::bearer_token(in)) {
    FUZZ_CHECK(t->empty() || (t->front() != ' ' && t->back() != ' '));
    FUZZ_CHECK(t->size() <= in.size());
  }
  return 0;
}

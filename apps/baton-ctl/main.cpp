// baton-ctl: an operator's view of a running baton-server through its admin
// port (docs/ADMIN.md): status, rings, ring NAME, watch NAME; and its actions
// on a ring: skip, kick, pause, resume, set, drain.
// Exit codes (sysexits.h), as docs/ADMIN.md promises scripts: EX_OK; EX_USAGE
// (64) bad usage, also an unreadable token file; EX_DATAERR (65) an action the
// ring's state does not allow (409); EX_NOINPUT (66) no such ring (`ring NAME`,
// an action) or member (`kick`): 404; EX_UNAVAILABLE (69) the admin port can't
// be reached, times out or answers 503; EX_NOPERM (77) refused (401/403): a
// token the server doesn't know, or an action without admin on the ring (or,
// without --auth-file, from off loopback); EX_SOFTWARE (70) anything else
// unexpected (a malformed response, a 400, another 5xx).
#include <sysexits.h>

#include <iostream>

#include "admin_client.hpp"
#include "commands.hpp"
#include "ctl_options.hpp"
#include "render.hpp"
#include "watch.hpp"

namespace {

int run(const baton::ctl::CtlOptions& o) {
  using baton::ctl::Command;
  baton::ctl::AdminClient admin(o.admin);
  switch (o.command) {
    case Command::status:
      return baton::ctl::run_status(admin, o, std::cout);
    case Command::rings:
      return baton::ctl::run_rings(admin, o, std::cout);
    case Command::ring:
      return baton::ctl::run_ring(admin, o, std::cout);
    case Command::watch:
      return baton::ctl::run_watch(admin, o, std::cout, std::cerr);
    case Command::skip:
    case Command::kick:
    case Command::pause:
    case Command::resume:
    case Command::set:
    case Command::drain:
      return baton::ctl::run_action(admin, o, std::cout);
  }
  return EX_SOFTWARE;
}

}  // namespace

int main(int argc, char** argv) {
  baton::ctl::CtlOptions options;
  if (auto rc = baton::ctl::parse_options(argc, argv, options)) return *rc;
  try {
    return run(options);
  } catch (const baton::ctl::CtlError& e) {
    std::cerr << "baton-ctl: " << e.what() << "\n";
    return e.exit_code();
  } catch (const baton::ctl::MalformedReply& e) {
    std::cerr << "baton-ctl: a malformed response: " << e.what() << "\n";
    return EX_SOFTWARE;
  } catch (const std::exception& e) {
    std::cerr << "baton-ctl: internal error: " << e.what() << "\n";
    return EX_SOFTWARE;
  }
}

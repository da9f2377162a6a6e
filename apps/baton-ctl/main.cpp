// baton-ctl: an operator's view of a running baton-server through its admin
// port (docs/ADMIN.md): status, rings, ring NAME, watch NAME.
// Exit codes (sysexits.h): EX_OK; EX_USAGE (64) bad usage, also an unreadable
// token file; EX_NOINPUT (66) `ring NAME` of a ring that doesn't exist;
// EX_UNAVAILABLE (69) the admin port can't be reached, times out or answers
// 503; EX_NOPERM (77) the token is refused (401/403); EX_SOFTWARE (70)
// anything else unexpected (a malformed response, another 5xx).
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

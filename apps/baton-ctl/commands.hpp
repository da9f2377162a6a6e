// baton-ctl's one-shot commands: one GET each (rings --all: one per page) or,
// for an action, one POST; printed as tables or lines or, with --json, as the
// server sent it.
#pragma once

#include <ostream>

#include "admin_client.hpp"
#include "ctl_options.hpp"

namespace baton::ctl {

// Each returns the exit code, or throws CtlError / MalformedReply.
int run_status(AdminClient& admin, const CtlOptions& o, std::ostream& out);
int run_rings(AdminClient& admin, const CtlOptions& o, std::ostream& out);
int run_ring(AdminClient& admin, const CtlOptions& o, std::ostream& out);
// skip, kick, pause, resume, set, drain: 404 is EX_NOINPUT, 409 EX_DATAERR.
int run_action(AdminClient& admin, const CtlOptions& o, std::ostream& out);

}  // namespace baton::ctl

// baton-ctl's one-shot commands: one GET each (rings --all: one per page),
// printed as tables or, with --json, as the server sent it.
#pragma once

#include <ostream>

#include "admin_client.hpp"
#include "ctl_options.hpp"

namespace baton::ctl {

// Each returns the exit code, or throws CtlError / MalformedReply.
int run_status(AdminClient& admin, const CtlOptions& o, std::ostream& out);
int run_rings(AdminClient& admin, const CtlOptions& o, std::ostream& out);
int run_ring(AdminClient& admin, const CtlOptions& o, std::ostream& out);

}  // namespace baton::ctl

// baton-ctl watch: one ring's turns, live, from /events?ring=NAME (Server-Sent
// Events), across dropped streams, until --count turns or a signal.
#pragma once

#include <ostream>

#include "admin_client.hpp"
#include "ctl_options.hpp"

namespace baton::ctl {

// The exit code (EX_OK after --count turns or SIGINT/SIGTERM); throws CtlError
// when the stream can't be had or keeps dropping, MalformedReply for bad data.
// Lines go to out; notes on reconnecting to err.
int run_watch(AdminClient& admin, const CtlOptions& o, std::ostream& out, std::ostream& err);

}  // namespace baton::ctl

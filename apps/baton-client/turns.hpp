// baton-client's two ways of running once connected: a member taking turns
// (the seed's "Client1 sent: 1", "… 3", …) or a watcher printing the stream.
#pragma once

#include "baton/client.hpp"
#include "client_options.hpp"

namespace baton::cli {

// Returns the exit code; throws baton::Error.
int take_turns(Client& client, const CliOptions& o);
int watch(Client& client);
// Says on stderr what reconnecting does (stdout is the seed's turn log).
void log_reconnects(CliOptions& o);

}  // namespace baton::cli

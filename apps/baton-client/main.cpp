// baton-client: a member that sends START, START+STEP, ... one per turn, as
// the seed's client does, or (--watch) a watcher that prints the ring's stream.
// Exit codes (sysexits.h): EX_OK, EX_USAGE (64) bad usage (also an unusable
// token, CA, certificate or key), EX_UNAVAILABLE (69) server unavailable (with
// --reconnect: for --reconnect-timeout; also a failed TLS handshake or
// verification) or shut down, EX_SOFTWARE (70) internal/protocol error or an
// ERROR from the server (e.g. AUTH_FAILED).
#include <sysexits.h>

#include <iostream>

#include "baton/client.hpp"
#include "client_options.hpp"
#include "turns.hpp"

namespace {

int run(baton::cli::CliOptions& o) {
  // The server's news (e.g. its journal stalled) goes to stderr: stdout is the seed's turn log.
  o.client.on_notice = [](std::string_view code, std::string_view text) {
    std::cerr << "baton-client: server notice " << code << ": " << text << std::endl;
  };
  baton::cli::log_reconnects(o);
  baton::Client client(o.client);
  try {
    client.connect();
  } catch (const baton::Error& e) {
    // From connect(), usage means an option the library can't use: a token
    // with a space, a CA, certificate or key file that doesn't load.
    if (e.kind() != baton::Error::Kind::usage) throw;
    std::cerr << "baton-client: " << e.what() << "\n";
    return EX_USAGE;
  }
  return o.watch ? baton::cli::watch(client) : baton::cli::take_turns(client, o);
}

}  // namespace

int main(int argc, char** argv) {
  baton::cli::CliOptions options;
  if (auto rc = baton::cli::parse_options(argc, argv, options)) return *rc;
  try {
    return run(options);
  } catch (const baton::Error& e) {
    std::cerr << "baton-client: " << e.what() << "\n";
    switch (e.kind()) {
      case baton::Error::Kind::unavailable:
      case baton::Error::Kind::closed:
        return EX_UNAVAILABLE;
      case baton::Error::Kind::rejected:
        return e.code() == "SERVER_FULL" ? EX_UNAVAILABLE : EX_SOFTWARE;
      default:
        return EX_SOFTWARE;
    }
  } catch (const std::exception& e) {
    std::cerr << "baton-client: internal error: " << e.what() << "\n";
    return EX_SOFTWARE;
  }
}

// baton-client: a member that sends START, START+STEP, ... one per turn, as
// the seed's client does, or (--watch) a watcher that prints the ring's stream.
// Exit codes (sysexits.h): EX_OK, EX_USAGE (64) bad usage (also an unusable
// token, CA, certificate or key), EX_UNAVAILABLE (69) server unavailable (also
// a failed TLS handshake or verification) or shut down, EX_SOFTWARE (70)
// internal/protocol error or an ERROR from the server (e.g. AUTH_FAILED).
#include <sysexits.h>

#include <chrono>
#include <iostream>

#include "baton/client.hpp"
#include "client_options.hpp"

namespace {

int run(baton::cli::CliOptions& o) {
  // The server's news (e.g. its journal stalled) goes to stderr: stdout is the seed's turn log.
  o.client.on_notice = [](std::string_view code, std::string_view text) {
    std::cerr << "baton-client: server notice " << code << ": " << text << std::endl;
  };
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
  if (o.watch) {
    while (auto e = client.next_event()) {
      std::cout << e->name << " sent: " << e->payload << " (turn " << e->turn << ")" << std::endl;
    }
    return EX_OK;
  }
  // pause() rather than sleep: a sleeping client writes nothing, and with a long
  // --interval the server would drop it as idle.
  const auto interval = std::chrono::ceil<std::chrono::milliseconds>(o.interval);
  std::int64_t n = o.start;
  for (std::uint64_t taken = 0; o.count == 0 || taken < o.count;) {
    client.await_grant();
    try {
      client.send(std::to_string(n));
    } catch (const baton::Error& e) {
      if (e.kind() != baton::Error::Kind::revoked) throw;
      continue;  // we were away too long (stopped?): the same number goes in our next turn
    }
    ++taken;
    if (!o.quiet) std::cout << o.client.name << " sent: " << n << std::endl;
    n += o.step;
    if (interval.count() > 0) client.pause(interval);
  }
  client.close();
  return EX_OK;
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

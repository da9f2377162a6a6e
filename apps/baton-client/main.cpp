// baton-client: a member that sends START, START+STEP, ... one per turn, as
// the seed's client does, or (--watch) a watcher that prints the ring's stream.
// Exit codes: 0 ok, 64 bad usage, 69 server unavailable, 70 internal/protocol error.
#include <iostream>
#include <thread>

#include "baton/client.hpp"
#include "client_options.hpp"

namespace {

int run(const baton::cli::CliOptions& o) {
  baton::Client client(o.client);
  client.connect();
  if (o.watch) {
    while (auto e = client.next_event()) {
      std::cout << e->name << " sent: " << e->payload << " (turn " << e->turn << ")" << std::endl;
    }
    return 0;
  }
  std::int64_t n = o.start;
  for (std::uint64_t taken = 0; o.count == 0 || taken < o.count; ++taken) {
    client.await_grant();
    client.send(std::to_string(n));
    if (!o.quiet) std::cout << o.client.name << " sent: " << n << std::endl;
    n += o.step;
    if (o.interval.count() > 0) std::this_thread::sleep_for(o.interval);
  }
  client.close();
  return 0;
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
        return 69;
      case baton::Error::Kind::rejected:
        return e.code() == "SERVER_FULL" ? 69 : 70;
      default:
        return 70;
    }
  } catch (const std::exception& e) {
    std::cerr << "baton-client: internal error: " << e.what() << "\n";
    return 70;
  }
}

#include "client_options.hpp"

#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "core/limits.hpp"

namespace baton::cli {

std::optional<int> parse_options(int argc, char** argv, CliOptions& o) {
  CLI::App app{"baton-client: takes turns in a baton ring (or watches one with --watch).\n"
               "Every flag can also be set as BATON_<FLAG> in the environment (flags win)."};
  char host[256] = "client";
  ::gethostname(host, sizeof host - 1);
  o.client.name = std::string(host).substr(0, 48) + "-" + std::to_string(::getpid());
  app.add_option("--host", o.client.host, "Server address")->envname("BATON_HOST")->capture_default_str();
  app.add_option("--port", o.client.port, "Server port")->envname("BATON_PORT")->capture_default_str();
  app.add_option("--name", o.client.name, "Member name, [A-Za-z0-9._-]{1,64} (default: host-pid)")
      ->envname("BATON_NAME");
  app.add_option("--ring", o.client.ring, "Ring to join")->envname("BATON_RING")->capture_default_str();
  app.add_option("--start", o.start, "First number sent")->envname("BATON_START")->capture_default_str();
  app.add_option("--step", o.step, "Added to the number after each send")->envname("BATON_STEP")->capture_default_str();
  std::string interval = "1s";
  app.add_option("--interval", interval, "Pause after each send: seconds (0.1, 0) or with a unit (100ms)")
      ->envname("BATON_INTERVAL")->capture_default_str();
  std::string connect_timeout = "5s";
  app.add_option("--connect-timeout", connect_timeout,
                 "Bound on connecting, then on each handshake step (greeting; WELCOME after HELLO)")
      ->envname("BATON_CONNECT_TIMEOUT")->capture_default_str();
  app.add_option("--count", o.count, "Take this many turns, then leave and exit 0 (0 = forever)")
      ->envname("BATON_COUNT")->capture_default_str();
  app.add_flag("--watch", o.watch, "Only print the ring's ordered stream; never take turns")->envname("BATON_WATCH");
  std::string protocol = "auto";
  app.add_option("--protocol", protocol, "auto (detect), v1, or legacy (the seed's server)")
      ->envname("BATON_PROTOCOL")->check(CLI::IsMember({"auto", "v1", "legacy"}))->capture_default_str();
  app.add_flag("--quiet", o.quiet, "Do not print a line per turn")->envname("BATON_QUIET");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? EX_OK : EX_USAGE;
  }
  const auto d = parse_duration(interval);
  if (!d) {
    std::cerr << "--interval: not a duration: " << interval << " (e.g. 1, 0.1, 100ms)\n";
    return EX_USAGE;
  }
  o.interval = *d;
  // The library counts in milliseconds; round up so that "0.0005" is not 0,
  // which would leave no time at all to connect.
  const auto ct = parse_duration(connect_timeout);
  if (!ct || ct->count() == 0) {
    std::cerr << "--connect-timeout: not a positive duration: " << connect_timeout << " (e.g. 5, 2.5s, 500ms)\n";
    return EX_USAGE;
  }
  o.client.connect_timeout = std::chrono::ceil<std::chrono::milliseconds>(*ct);
  o.client.role = o.watch ? Role::watcher : Role::member;
  o.client.protocol = protocol == "v1" ? Protocol::v1 : protocol == "legacy" ? Protocol::legacy : Protocol::automatic;
  if (!valid_name(o.client.name) || !valid_name(o.client.ring)) {
    std::cerr << "--name and --ring must match [A-Za-z0-9._-]{1,64}\n";
    return EX_USAGE;
  }
  return std::nullopt;
}

}  // namespace baton::cli

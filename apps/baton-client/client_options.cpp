#include "client_options.hpp"

#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "core/limits.hpp"
#include "token_file.hpp"

namespace baton::cli {

namespace {

std::optional<int> check_tls(const ClientOptions& c) {
  // A TLS flag without --tls would connect in the clear: refuse rather than guess.
  if (!c.tls && !(c.tls_ca.empty() && c.tls_cert.empty() && c.tls_key.empty() && c.tls_server_name.empty())) {
    std::cerr << "--ca, --cert, --key and --server-name need --tls\n";
    return EX_USAGE;
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    std::cerr << "--cert and --key go together\n";
    return EX_USAGE;
  }
  if (c.tls && c.protocol == Protocol::legacy) {
    std::cerr << "--tls needs protocol v1: the seed's legacy protocol has no TLS\n";
    return EX_USAGE;
  }
  return std::nullopt;
}

// A duration flag in the library's milliseconds, rounded up so that "0.0005"
// is not 0 (which would leave no time at all to connect); complains on stderr.
std::optional<std::chrono::milliseconds> millis_flag(const char* flag, const std::string& text, bool zero_ok,
                                                     const char* examples) {
  const auto d = parse_duration(text);
  if (!d || (!zero_ok && d->count() == 0)) {
    std::cerr << flag << ": not a " << (zero_ok ? "" : "positive ") << "duration: " << text << " (e.g. " << examples
              << ")\n";
    return std::nullopt;
  }
  return std::chrono::ceil<std::chrono::milliseconds>(*d);
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, CliOptions& o) {
  CLI::App app{"baton-client: takes turns in a baton ring (or watches one with --watch), over TCP or TLS.\n"
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
                 "Bound on connecting, then on each handshake step (TLS; greeting; WELCOME after HELLO)")
      ->envname("BATON_CONNECT_TIMEOUT")->capture_default_str();
  app.add_option("--count", o.count, "Take this many turns, then leave and exit 0 (0 = forever)")
      ->envname("BATON_COUNT")->capture_default_str();
  app.add_flag("--watch", o.watch, "Only print the ring's ordered stream; never take turns")->envname("BATON_WATCH");
  std::string protocol = "auto";
  app.add_option("--protocol", protocol, "auto (detect), v1, or legacy (the seed's server)")
      ->envname("BATON_PROTOCOL")->check(CLI::IsMember({"auto", "v1", "legacy"}))->capture_default_str();
  app.add_flag("--quiet", o.quiet, "Do not print a line per turn")->envname("BATON_QUIET");
  app.add_option("--token", o.client.token,
                 "Secret for a server's --auth-file, sent in HELLO; argv is visible to every user, "
                 "so prefer BATON_TOKEN or --token-file")
      ->envname("BATON_TOKEN");
  std::string token_file;
  app.add_option("--token-file", token_file, "Read the token from the first line of FILE")
      ->envname("BATON_TOKEN_FILE")->type_name("FILE");
  app.add_flag("--tls", o.client.tls, "Connect with TLS 1.2+ (a server's --tls-port); implies --protocol v1")
      ->envname("BATON_TLS");
  app.add_option("--ca", o.client.tls_ca, "With --tls: PEM CA(s) that verify the server (default: the system's store)")
      ->envname("BATON_CA")->check(CLI::ExistingFile);
  app.add_option("--cert", o.client.tls_cert, "With --tls: PEM certificate to present, for servers that require one")
      ->envname("BATON_CERT")->check(CLI::ExistingFile);
  app.add_option("--key", o.client.tls_key, "With --cert: its PEM private key (no passphrase)")
      ->envname("BATON_KEY")->check(CLI::ExistingFile);
  app.add_flag("--reconnect,!--no-reconnect", o.client.reconnect.enabled,
               "Connect again by itself when the connection fails or the server restarts, taking the seat "
               "back (on by default); with --no-reconnect exit 69 instead")
      ->envname("BATON_RECONNECT");
  std::string max_delay = "5s", reconnect_timeout = "2m";
  app.add_option("--reconnect-max-delay", max_delay,
                 "Longest wait between two attempts to connect (random, doubling up to this)")
      ->envname("BATON_RECONNECT_MAX_DELAY")->capture_default_str();
  app.add_option("--reconnect-timeout", reconnect_timeout,
                 "Exit 69 after this long without a connection, also at the start (0 = never)")
      ->envname("BATON_RECONNECT_TIMEOUT")->capture_default_str();
  std::string mode = "auto";
  app.add_option("--mode", mode,
                 "auto (the ring as it is), rotation, or lock: take the baton by request (ACQUIRE) before each send")
      ->envname("BATON_MODE")->check(CLI::IsMember({"auto", "rotation", "lock"}))->capture_default_str();
  app.add_option("--server-name", o.client.tls_server_name,
                 "With --tls: the name the server's certificate must carry, also sent as SNI (default: --host)")
      ->envname("BATON_SERVER_NAME")->type_name("NAME");
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
  const auto ct = millis_flag("--connect-timeout", connect_timeout, false, "5, 2.5s, 500ms");
  const auto md = millis_flag("--reconnect-max-delay", max_delay, false, "5, 500ms");
  const auto rt = millis_flag("--reconnect-timeout", reconnect_timeout, true, "2m, 30s, 0 = never");
  if (!ct || !md || !rt) return EX_USAGE;
  o.client.connect_timeout = *ct;
  o.client.reconnect.max_delay = *md;
  o.client.reconnect.give_up_after = *rt;
  o.client.mode = mode == "lock" ? TurnOrder::lock : mode == "rotation" ? TurnOrder::rotation : TurnOrder::automatic;
  o.client.role = o.watch ? Role::watcher : Role::member;
  o.client.protocol = protocol == "v1" ? Protocol::v1 : protocol == "legacy" ? Protocol::legacy : Protocol::automatic;
  if (o.client.mode == TurnOrder::lock && o.client.protocol == Protocol::legacy) {
    std::cerr << "--mode lock needs protocol v1: the seed's server only rotates\n";
    return EX_USAGE;
  }
  if (!valid_name(o.client.name) || !valid_name(o.client.ring)) {
    std::cerr << "--name and --ring must match [A-Za-z0-9._-]{1,64}\n";
    return EX_USAGE;
  }
  if (auto rc = check_tls(o.client)) return rc;
  if (app.count("--token-file") > 0) {
    if (app.count("--token") > 0) {
      std::cerr << "--token and --token-file (BATON_TOKEN, BATON_TOKEN_FILE): give one, not both\n";
      return EX_USAGE;
    }
    std::string why;
    auto token = read_token_file(token_file, &why);
    if (!token) {
      std::cerr << "--token-file " << token_file << ": " << why << "\n";
      return EX_USAGE;
    }
    o.client.token = std::move(*token);
  }
  return std::nullopt;
}

}  // namespace baton::cli

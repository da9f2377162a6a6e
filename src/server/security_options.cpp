#include "server/security_options.hpp"

#include <sysexits.h>

#include <iostream>

#include "core/auth.hpp"
#include "core/duration.hpp"
#include "core/limits.hpp"

namespace baton::server {
namespace {

// Set by the flags, acted on by run_token_commands() (before the server exists).
bool g_hash_token = false;
bool g_new_token = false;

}  // namespace

void add_security_options(CLI::App& app, ServerConfig& c) {
  app.add_option("--auth-file", c.auth_file,
                 "Tokens (stored hashed) and the rings and roles each may use; SIGHUP reloads it. "
                 "Without it anyone may join, watch and send in any ring")
      ->envname("BATON_AUTH_FILE");
  app.add_option_function<std::string>(
         "--legacy-ring",
         [&c](const std::string& ring) {
           if (ring != "none" && !valid_name(ring))
             throw CLI::ValidationError("--legacy-ring", "a ring name ([A-Za-z0-9._-]{1,64}) or none");
           c.legacy_ring = ring == "none" ? "" : ring;
         },
         "The ring the seed's legacy clients join, without a token; none: refuse them. "
         "Default: default without --auth-file, none with it")
      ->envname("BATON_LEGACY_RING");
  app.add_option("--tls-port", c.tls_port, "TLS port for v1 clients (needs --tls-cert, --tls-key); 0 = any (logged)")
      ->envname("BATON_TLS_PORT");
  app.add_option("--tls-cert", c.tls_cert, "PEM certificate chain of the TLS port; SIGHUP reloads it")
      ->envname("BATON_TLS_CERT");
  app.add_option("--tls-key", c.tls_key, "PEM private key of the TLS port; SIGHUP reloads it")->envname("BATON_TLS_KEY");
  app.add_option("--tls-client-ca", c.tls_client_ca,
                 "Mutual TLS: refuse clients without a certificate from this CA (PEM); a member's name must be "
                 "its certificate's CN or a DNS SAN")
      ->envname("BATON_TLS_CLIENT_CA");
  app.add_option("--max-tls-clients", c.max_tls_clients,
                 "TLS connections at once (each holds ~60 KB of TLS buffers); more get SERVER_FULL")
      ->envname("BATON_MAX_TLS_CLIENTS")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_flag_function(
         "--no-plain", [&c](std::int64_t n) { c.plain = n == 0; }, "No plain TCP port: only --tls-port")
      ->envname("BATON_NO_PLAIN");
  app.add_option("--max-conns-per-addr", c.max_conns_per_addr,
                 "Connections at once from one address (IPv6: one /64); more get QUOTA. 0 = no bound")
      ->envname("BATON_MAX_CONNS_PER_ADDR")->capture_default_str();
  app.add_option("--conn-rate-per-addr", c.conn_rate_per_addr,
                 "New connections per second from one address (bursts of twice that); more get QUOTA. 0 = no bound")
      ->envname("BATON_CONN_RATE_PER_ADDR")->capture_default_str()->check(CLI::Range(0.0, 1e9));
  app.add_option("--max-members-per-ring", c.max_members_per_ring, "Members of one ring; more get QUOTA")
      ->envname("BATON_MAX_MEMBERS_PER_RING")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--max-watchers-per-ring", c.max_watchers_per_ring, "Watchers of one ring; more get QUOTA")
      ->envname("BATON_MAX_WATCHERS_PER_RING")->capture_default_str()->check(CLI::Range(0, 10000000));
  app.add_option("--max-rings", c.max_rings, "Rings on the server; a HELLO for a new ring beyond it gets QUOTA")
      ->envname("BATON_MAX_RINGS")->capture_default_str()->check(CLI::Range(1, 100000000));
  app.add_option_function<std::string>(
         "--auth-fail-delay",
         [&c](const std::string& text) {
           const auto d = parse_duration(text);
           if (!d) throw CLI::ValidationError("--auth-fail-delay", "not a duration: " + text);
           c.auth_fail_delay = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
         },
         "After a wrong token, an address's next verdicts wait this long per recent failure (at most 5 s)")
      ->envname("BATON_AUTH_FAIL_DELAY")->default_str(std::to_string(c.auth_fail_delay.count()) + "ms");
  app.add_flag("--hash-token", g_hash_token, "Read a token on stdin, print the sha256:... line to put in --auth-file");
  app.add_flag("--new-token", g_new_token, "Print a new random token and, on stderr, its sha256:... hash");
}

std::optional<std::string> security_usage_error(const ServerConfig& c) {
  if (!c.plain && !c.tls_port) return "--no-plain needs --tls-port (there would be no port at all)";
  if (c.tls_port && (c.tls_cert.empty() || c.tls_key.empty())) return "--tls-port needs --tls-cert and --tls-key";
  if (!c.tls_port && (!c.tls_cert.empty() || !c.tls_key.empty() || !c.tls_client_ca.empty()))
    return "--tls-cert, --tls-key and --tls-client-ca need --tls-port";
  if (c.plain && c.tls_port && *c.tls_port != 0 && *c.tls_port == c.port)
    return "--tls-port must differ from --port";
  return std::nullopt;
}

std::optional<int> run_token_commands() {
  if (g_new_token) {
    const std::string token = auth::new_token();
    std::cout << token << "\n";
    std::cerr << "hash for --auth-file: " << auth::hash_token(token) << "\n";
    return EX_OK;
  }
  if (!g_hash_token) return std::nullopt;
  std::string token;
  std::getline(std::cin, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
  if (!auth::valid_token(token)) {
    std::cerr << "baton-server: a token is 1 to 256 printable characters without spaces (read from stdin)\n";
    return EX_USAGE;
  }
  std::cout << auth::hash_token(token) << "\n";
  return EX_OK;
}

}  // namespace baton::server

#include "ctl_options.hpp"

#include <sysexits.h>

#include <charconv>
#include <iostream>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/auth.hpp"
#include "core/duration.hpp"
#include "core/limits.hpp"
#include "token_file.hpp"

namespace baton::ctl {

namespace {

std::optional<int> usage(const std::string& what) {
  std::cerr << "baton-ctl: " << what << "\n";
  return EX_USAGE;
}

}  // namespace

bool parse_admin_address(std::string_view text, AdminTarget& target) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false;  // a bare IPv6 address: which colon is the port's?
  }
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (ec != std::errc{} || end != port.data() + port.size() || n == 0 || n > 65535) return false;
  target.host = std::string(host);
  target.port = std::to_string(n);
  return true;
}

std::optional<int> parse_options(int argc, char** argv, CtlOptions& o) {
  CLI::App app{"baton-ctl: an operator's view of a baton-server, and its actions on rings, over its admin port\n"
               "(docs/ADMIN.md). The flags before the command can also be set as BATON_<FLAG> in the environment\n"
               "(flags win)."};
  app.footer("An action needs a token with admin on its ring, or, on a server without --auth-file, a loopback\n"
             "connection.\n"
             "Exit codes: 0 done; 64 bad usage; 65 the ring's state does not allow the action (409);\n"
             "66 no such ring or member (404); 69 the admin port can't be reached, times out or answers 503;\n"
             "70 anything else unexpected; 77 refused: an unknown token, or an action not allowed (401, 403).\n");
  app.require_subcommand(1);
  app.fallthrough();  // "baton-ctl ring X --json" as well as "baton-ctl --json ring X"
  std::string admin = "127.0.0.1:9090";
  app.add_option("--admin", admin, "The server's admin port, HOST:PORT ([V6]:PORT)")
      ->envname("BATON_ADMIN")->capture_default_str();
  app.add_option("--token", o.admin.token,
                 "A token of the server's --auth-file, sent as Authorization: Bearer; argv is visible to every "
                 "user, so prefer BATON_TOKEN or --token-file")
      ->envname("BATON_TOKEN");
  std::string token_file;
  app.add_option("--token-file", token_file, "Read the token from the first line of FILE")
      ->envname("BATON_TOKEN_FILE")->type_name("FILE");
  app.add_flag("--json", o.json, "Print the server's JSON as it is (watch: one object per event and line)")
      ->envname("BATON_JSON");
  std::string timeout = "5s";
  app.add_option("--timeout", timeout, "Bound on connecting and on each read (not on the wait between events)")
      ->envname("BATON_TIMEOUT")->capture_default_str();

  // The commands' own flags have no BATON_ variable: they describe one
  // invocation, and BATON_COUNT already tells baton-client how many turns to take.
  auto* status = app.add_subcommand("status", "The server as a whole");
  auto* rings = app.add_subcommand("rings", "Rings in name order, a page at a time");
  rings->add_option("--limit", o.limit, "Rings per page, 1-1000 (default: the server's, 100)")
      ->check(CLI::Range(1u, 1000u));
  rings->add_option("--after", o.after, "Start after this ring name");
  rings->add_flag("--all", o.all, "Follow the pages to the last one");
  auto* ring = app.add_subcommand("ring", "One ring: its members in turn order and its last events");
  ring->add_option("NAME", o.ring, "The ring")->required();
  auto* watch = app.add_subcommand("watch", "Follow one ring's turns live (the ring need not exist yet)");
  watch->add_option("NAME", o.ring, "The ring")->required();
  watch->add_option("--count", o.count, "Stop after this many turn events (0 = until SIGINT or SIGTERM)")
      ->capture_default_str();
  std::vector<std::pair<CLI::App*, Command>> commands{
      {status, Command::status}, {rings, Command::rings}, {ring, Command::ring}, {watch, Command::watch}};
  const auto action = [&](const char* name, Command c, const char* what) {
    auto* sub = app.add_subcommand(name, what);
    sub->add_option("NAME", o.ring, "The ring")->required();
    commands.emplace_back(sub, c);
    return sub;
  };
  action("skip", Command::skip, "Action: revoke the ring's holder now, as a turn timeout would");
  action("kick", Command::kick, "Action: remove a member from the ring (its seat can't be resumed)")
      ->add_option("MEMBER", o.member, "The member")->required();
  action("pause", Command::pause, "Action: no grants in the ring until resume");
  action("resume", Command::resume, "Action: the paused ring runs again");
  auto* set = action("set", Command::set, "Action: change the ring's turn timeout or minimum members");
  auto* turn_timeout = set->add_option("--turn-timeout", o.turn_timeout,
                                       "The ring's turn timeout from its next grant: 30s, 500ms, 0 = none")
                           ->type_name("DURATION");
  set->add_option("--min-members", o.min_members, "The ring's minimum members, 1-1000 (applies at once)")
      ->check(CLI::Range(1u, 1000u));
  action("drain", Command::drain, "Action: no new members; the ring closes when its last member leaves");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? EX_OK : EX_USAGE;
  }
  for (const auto& [sub, c] : commands)
    if (*sub) o.command = c;
  if (!parse_admin_address(admin, o.admin)) return usage("--admin: not HOST:PORT: " + admin);
  const auto t = parse_duration(timeout);
  if (!t || t->count() == 0) return usage("--timeout: not a positive duration: " + timeout + " (e.g. 5, 2.5s, 500ms)");
  o.admin.timeout = std::chrono::ceil<std::chrono::milliseconds>(*t);
  const bool on_a_ring = o.command == Command::ring || o.command == Command::watch || is_action(o.command);
  if (on_a_ring && !valid_name(o.ring))
    return usage("not a ring name: " + o.ring + " (1-64 of A-Z a-z 0-9 . _ -)");
  // Member names follow the ring names' rule on every wire: anything else can't be kicked.
  if (o.command == Command::kick && !valid_name(o.member))
    return usage("not a member name: " + o.member + " (1-64 of A-Z a-z 0-9 . _ -)");
  if (o.command == Command::set) {
    if (turn_timeout->count() == 0 && !o.min_members)
      return usage("set: give --turn-timeout, --min-members or both");
    if (turn_timeout->count() > 0 && !parse_duration(o.turn_timeout))
      return usage("--turn-timeout: not a duration: " + o.turn_timeout + " (e.g. 30s, 500ms, 0 = none)");
  }
  if (!o.after.empty() && !valid_name(o.after))
    return usage("--after: not a ring name: " + o.after + " (1-64 of A-Z a-z 0-9 . _ -)");
  if (app.count("--token-file") > 0) {
    if (app.count("--token") > 0)
      return usage("--token and --token-file (BATON_TOKEN, BATON_TOKEN_FILE): give one, not both");
    std::string why;
    auto token = cli::read_token_file(token_file, &why);
    if (!token) return usage("--token-file " + token_file + ": " + why);
    o.admin.token = std::move(*token);
  }
  // The same rule as HELLO's: anything else could not be the server's, and a
  // newline would end the header early.
  if (!o.admin.token.empty() && !auth::valid_token(o.admin.token))
    return usage("the token is not one a server issues (1-256 printable characters, no spaces)");
  return std::nullopt;
}

}  // namespace baton::ctl

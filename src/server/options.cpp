#include "server/options.hpp"

#include <sysexits.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "core/journal_codec.hpp"
#include "server/admin_options.hpp"
#include "server/security_options.hpp"

namespace baton::server {
namespace {

// A send's journal record is its line plus the ring, the member's name and separators.
constexpr std::size_t kMaxJournaledLine = journal::kMaxRecordBytes - 2 * kMaxName - 32;

// A duration flag: plain seconds ("0.5") or with a unit ("500ms").
CLI::Option* duration(CLI::App& app, const std::string& flag, std::chrono::milliseconds& into,
                      const std::string& help, const std::string& env) {
  auto* opt = app.add_option_function<std::string>(
      flag,
      [&into, flag](const std::string& text) {
        const auto d = parse_duration(text);
        if (!d) throw CLI::ValidationError(flag, "not a duration: " + text + " (e.g. 0.5, 500ms, 2s)");
        into = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
      },
      help);
  opt->envname(env)->default_str(std::to_string(into.count()) + "ms");
  return opt;
}

// Retention keeps at least the active segments and one more of each size;
// a send must fit one journal record.
std::optional<std::string> journal_usage_error(const ServerConfig& c) {
  if (c.journal_segment_bytes < kMinSegmentBytes)
    return "--journal-segment-bytes must be at least " + std::to_string(kMinSegmentBytes);
  if (c.journal_max_bytes / 2 < c.journal_segment_bytes)
    return "--journal-max-bytes must be at least twice --journal-segment-bytes";
  if (!c.journal.empty() && c.max_line > kMaxJournaledLine)
    return "--max-line must be at most " + std::to_string(kMaxJournaledLine) + " with --journal";
  return std::nullopt;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, ServerConfig& c) {
  CLI::App app{"baton-server: hands one turn round-robin to the members of each ring.\n"
               "Every flag can also be set as BATON_<FLAG> in the environment (flags win)."};
  app.add_option("--host", c.host, "Address to listen on")->envname("BATON_HOST")->capture_default_str();
  app.add_option("--port", c.port, "TCP port for clients (v1 and the seed's legacy protocol); 0 = any")
      ->envname("BATON_PORT")->capture_default_str();
  app.add_option("--admin-port", c.admin_port, "HTTP port for probes, /metrics, the status API and page (docs/ADMIN.md); 0 = any (logged)")
      ->envname("BATON_ADMIN_PORT")->capture_default_str();
  bool no_admin = false;
  app.add_flag("--no-admin", no_admin, "No admin HTTP port")->envname("BATON_NO_ADMIN");
  app.add_option("--min-members", c.min_members, "Members a ring needs before its first grant")
      ->envname("BATON_MIN_MEMBERS")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--max-clients", c.max_clients, "Connections at once; more are refused with SERVER_FULL")
      ->envname("BATON_MAX_CLIENTS")->capture_default_str()->check(CLI::Range(1, 10000000));
  duration(app, "--turn-timeout", c.turn_timeout, "Holder loses the baton after this; 0 = never",
           "BATON_TURN_TIMEOUT");
  duration(app, "--hello-timeout", c.hello_timeout, "A v1 client must finish HELLO within this",
           "BATON_HELLO_TIMEOUT");
  duration(app, "--legacy-after", c.legacy_after,
           "A client silent this long after connecting is sent one GO (a probe for the seed's client); 0 = no legacy",
           "BATON_LEGACY_AFTER");
  duration(app, "--heartbeat", c.heartbeat, "Ping a v1 client silent this long; also told to clients in WELCOME", "BATON_HEARTBEAT");
  duration(app, "--idle-timeout", c.idle_timeout, "Drop a v1 client silent this long (it is pinged after --heartbeat); 0 = never",
           "BATON_IDLE_TIMEOUT");
  duration(app, "--drain-timeout", c.drain_timeout, "On SIGTERM, how long clients get to leave",
           "BATON_DRAIN_TIMEOUT");
  duration(app, "--resume-grace", c.resume_grace,
           "A HELLO 2 member whose connection drops keeps its seat this long for a resume; 0 = off",
           "BATON_RESUME_GRACE");
  app.add_option("--watch-backlog", c.watch_backlog,
                 "Sends kept per ring (at most 64 KiB) for HELLO 2 watchers that reconnect with after=")
      ->envname("BATON_WATCH_BACKLOG")->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--max-line", c.max_line, "Longest v1 line in bytes")
      ->envname("BATON_MAX_LINE")->capture_default_str()->check(CLI::Range(64, 1 << 20));
  app.add_option("--max-queued", c.max_queued, "Unsent bytes per client before it is dropped")
      ->envname("BATON_MAX_QUEUED")->capture_default_str()->check(CLI::Range(4096, 1 << 30));
  app.add_option("--max-queued-total", c.max_queued_total,
                 "Unsent bytes of all clients together; over it the slowest readers are dropped first")
      ->envname("BATON_MAX_QUEUED_TOTAL")->capture_default_str()->check(CLI::Range(std::size_t{65536}, std::size_t{1} << 40));
  app.add_option("--threads", c.threads, "Executor threads; 0 = one per core")
      ->envname("BATON_THREADS")->capture_default_str()->check(CLI::Range(0, 256));
  app.add_option("--journal", c.journal,
                 "Durable journal directory (created if missing): sends are synced before their ACK, "
                 "turn numbers never repeat across restarts")
      ->envname("BATON_JOURNAL");
  std::string numbering = c.turns_from_clock ? "clock" : "counter";
  app.add_option("--turn-numbers", numbering,
                 "First turn of a new ring: clock = the wall clock in microseconds (numbers rise across "
                 "restarts, journal or not); counter = 1, or above the journal's last number")
      ->envname("BATON_TURN_NUMBERS")->check(CLI::IsMember({"clock", "counter"}))->capture_default_str();
  app.add_flag("--journal-repair", c.journal_repair,
               "Drop damaged journal bytes and records (with a warning) instead of refusing to start")
      ->envname("BATON_JOURNAL_REPAIR");
  app.add_option("--journal-segment-bytes", c.journal_segment_bytes, "A shard starts a new journal segment past this")
      ->envname("BATON_JOURNAL_SEGMENT_BYTES")->capture_default_str();
  app.add_option("--journal-max-bytes", c.journal_max_bytes,
                 "All journal segments together; the oldest are removed beyond this")
      ->envname("BATON_JOURNAL_MAX_BYTES")->capture_default_str();
  add_security_options(app, c);
  add_admin_options(app, c);
  std::string format = c.log_json ? "json" : "text";
  app.add_option("--log-format", format, "Log lines as text or json")
      ->envname("BATON_LOG_FORMAT")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  bool quiet = false;
  app.add_flag("--no-turn-log", quiet, "Do not log a line per turn (benchmarks)")->envname("BATON_NO_TURN_LOG");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? EX_OK : EX_USAGE;
  }
  if (auto rc = run_token_commands()) return rc;
  c.log_json = format == "json";
  c.turns_from_clock = numbering == "clock";
  c.log_turns = !quiet;
  c.admin = !no_admin;
  if (c.legacy_after.count() > 0 && c.legacy_after >= c.hello_timeout) {
    // The probe would go out when the connection is already being refused.
    std::cerr << "baton-server: --legacy-after must be shorter than --hello-timeout (or 0: no legacy clients)\n";
    return EX_USAGE;
  }
  if (auto why = security_usage_error(c)) {
    std::cerr << "baton-server: " << *why << "\n";
    return EX_USAGE;
  }
  if (auto why = admin_usage_error(c)) {
    std::cerr << "baton-server: " << *why << "\n";
    return EX_USAGE;
  }
  if (auto why = journal_usage_error(c)) {
    std::cerr << "baton-server: " << *why << "\n";
    return EX_USAGE;
  }
  return std::nullopt;
}

}  // namespace baton::server

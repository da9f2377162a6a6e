// /metrics: the Totals of one scrape in prometheus-cpp's data model, written
// by its text serializer. The families are built afresh per scrape from
// plain numbers (a custom collector in prometheus-cpp's terms): no registry
// object is updated on the turn path.
#include <limits>
#include <sstream>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "server/build_info.hpp"
#include "server/process_stats.hpp"
#include "server/status_source.hpp"

namespace baton::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

ClientMetric point(MetricType type, double v, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  return m;
}

MetricFamily single(std::string name, std::string help, MetricType type, double v) {
  auto f = family(std::move(name), std::move(help), type);
  f.metric.push_back(point(type, v));
  return f;
}

MetricFamily histogram(std::string name, std::string help, const HistogramTotals& h) {
  auto f = family(std::move(name), std::move(help), MetricType::Histogram);
  ClientMetric m;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds_seconds.size(); ++i) {
    cumulative += h.buckets[i];
    m.histogram.bucket.push_back({cumulative, h.bounds_seconds[i]});
  }
  m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum_seconds;
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

std::string StatusSource::metrics() const {
  const Totals t = totals();
  const auto G = MetricType::Gauge;
  const auto C = MetricType::Counter;
  std::vector<MetricFamily> out;

  auto build = family("baton_build_info", "The running baton-server: version and Asio I/O backend.", G);
  build.metric.push_back(point(G, 1, {{"io_backend", kIoBackend}, {"version", kVersion}}));
  out.push_back(std::move(build));
  out.push_back(single("baton_ready", "1 while serving, 0 while draining after SIGTERM.", G, ready_() ? 1 : 0));
  out.push_back(single("baton_threads", "Executor threads (shards).", G, static_cast<double>(shards_.size())));

  auto conns = family("baton_connections", "Open client connections past their handshake, by wire and role.", G);
  for (std::size_t w = 0; w < kConnWireNames.size(); ++w)
    for (std::size_t r = 0; r < kConnRoleNames.size(); ++r)
      conns.metric.push_back(point(G, static_cast<double>(t.connections[w * kConnRoleNames.size() + r]),
                                    {{"role", kConnRoleNames[r]}, {"wire", kConnWireNames[w]}}));
  out.push_back(std::move(conns));
  out.push_back(single("baton_handshakes", "Client connections still in their handshake.", G,
                       static_cast<double>(t.handshakes)));
  out.push_back(single("baton_connections_limit", "--max-clients.", G, static_cast<double>(config_.max_clients)));
  out.push_back(single("baton_tls_connections_limit", "--max-tls-clients.", G,
                       static_cast<double>(config_.max_tls_clients)));
  out.push_back(single("baton_connections_accepted_total", "Connections accepted on the client ports.", C,
                       static_cast<double>(t.accepted)));

  auto closed = family("baton_connections_closed_total", "Client connections ended, by reason.", C);
  for (std::size_t i = 0; i < t.closed.size(); ++i)
    closed.metric.push_back(point(C, static_cast<double>(t.closed[i]), {{"reason", std::string(kClosedNames[i])}}));
  out.push_back(std::move(closed));
  auto errors = family("baton_errors_sent_total", "ERROR lines sent to clients, by code.", C);
  for (std::size_t i = 0; i < t.errors.size(); ++i)
    errors.metric.push_back(point(C, static_cast<double>(t.errors[i]), {{"code", std::string(kErrorCodes[i])}}));
  out.push_back(std::move(errors));

  out.push_back(single("baton_rings", "Rings that exist (a ring is deleted when empty).", G,
                       static_cast<double>(t.rings)));
  out.push_back(single("baton_rings_waiting", "Rings with members, fewer than --min-members, never started.", G,
                       static_cast<double>(t.rings_waiting)));
  out.push_back(single("baton_rings_limit", "--max-rings.", G, static_cast<double>(config_.max_rings)));
  out.push_back(single("baton_grants_total", "Turns granted.", C, static_cast<double>(t.grants)));
  out.push_back(single("baton_sends_total", "Sends accepted and acknowledged.", C, static_cast<double>(t.sends)));
  auto ended = family("baton_turns_ended_total", "Turns that ended without a send, by cause.", C);
  ended.metric.push_back(point(C, static_cast<double>(t.revoked), {{"cause", "revoked"}}));
  ended.metric.push_back(point(C, static_cast<double>(t.holder_left), {{"cause", "holder_left"}}));
  ended.metric.push_back(point(C, static_cast<double>(t.passed), {{"cause", "passed"}}));
  out.push_back(std::move(ended));
  out.push_back(single("baton_seats_resumed_total", "Seats taken back by a new connection (HELLO 2 resume=).", C,
                       static_cast<double>(t.resumed)));
  out.push_back(single("baton_seats_expired_total", "Detached seats that nobody resumed within --resume-grace.", C,
                       static_cast<double>(t.seats_expired)));
  out.push_back(single("baton_seats_detached", "Seats whose connection dropped, kept for a resume.", G,
                       static_cast<double>(t.seats_detached)));
  out.push_back(single("baton_admin_actions_total", "Administrators' actions carried out (POST /rings/NAME/...).", C,
                       static_cast<double>(t.admin_actions)));
  out.push_back(histogram("baton_handoff_seconds", "The holder's SEND read to the next holder's GRANT written.",
                          t.handoff));
  out.push_back(histogram("baton_hold_seconds", "A grant to its holder's send accepted.", t.hold));
  out.push_back(histogram("baton_journal_sync_seconds", "One journal write and fdatasync.", t.journal_sync));
  out.push_back(single("baton_journal_errors_total", "Journal writes or syncs that failed.", C,
                       static_cast<double>(t.journal_errors)));
  out.push_back(single("baton_received_bytes_total", "Bytes read from client connections.", C,
                       static_cast<double>(t.received_bytes)));
  out.push_back(single("baton_sent_bytes_total", "Bytes written to client connections.", C,
                       static_cast<double>(t.sent_bytes)));
  out.push_back(single("baton_log_lines_dropped_total", "Log lines dropped because stdout was blocked.", C,
                       static_cast<double>(t.log_lines_dropped)));
  out.push_back(single("baton_admin_streams", "Open /events streams.", G, static_cast<double>(t.admin_streams)));
  out.push_back(single("baton_admin_streams_dropped_total", "/events streams dropped as slow viewers.", C,
                       static_cast<double>(t.admin_streams_dropped)));

  if (!exported_.empty()) {
    auto turn = family("baton_ring_turn", "The ring's current turn number (--metrics-ring).", G);
    auto members = family("baton_ring_members", "The ring's members (--metrics-ring).", G);
    auto watchers = family("baton_ring_watchers", "The ring's watchers (--metrics-ring).", G);
    auto grants = family("baton_ring_grants_total", "Turns granted in the ring (--metrics-ring).", C);
    for (const auto& r : exported_) {
      const std::vector<ClientMetric::Label> l{{"ring", r->name}};
      turn.metric.push_back(point(G, static_cast<double>(r->turn.get()), l));
      members.metric.push_back(point(G, static_cast<double>(r->members.get()), l));
      watchers.metric.push_back(point(G, static_cast<double>(r->watchers.get()), l));
      grants.metric.push_back(point(C, static_cast<double>(r->grants.get()), l));
    }
    for (auto* f : {&turn, &members, &watchers, &grants}) out.push_back(std::move(*f));
  }

  const ProcessStats p = read_process_stats();
  out.push_back(single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", C,
                       p.cpu_seconds));
  out.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.", G, p.resident_bytes));
  out.push_back(single("process_virtual_memory_bytes", "Virtual memory size in bytes.", G, p.virtual_bytes));
  out.push_back(single("process_open_fds", "Number of open file descriptors.", G, p.open_fds));
  out.push_back(single("process_max_fds", "Maximum number of open file descriptors.", G, p.max_fds));
  out.push_back(single("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", G,
                       p.start_time_seconds));
  out.push_back(single("process_threads", "Number of OS threads in the process.", G, p.threads));

  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, out);
  return text.str();
}

}  // namespace baton::server

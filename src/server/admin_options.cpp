#include "server/admin_options.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/limits.hpp"

namespace baton::server {

void add_admin_options(CLI::App& app, ServerConfig& c) {
  app.add_option("--ring-history", c.ring_history,
                 "Events kept per ring for /rings/NAME and /events?ring= on the admin port; 0 = none")
      ->envname("BATON_RING_HISTORY")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--metrics-ring", c.metrics_rings,
                 fmt::format("Export this ring by name in /metrics (baton_ring_*); repeatable, at most {}",
                             kMaxMetricsRings))
      ->envname("BATON_METRICS_RING")->delimiter(',');
  app.add_option("--max-admin-streams", c.max_admin_streams,
                 "Open /events streams (status pages, baton-ctl watch) at once; more get 503")
      ->envname("BATON_MAX_ADMIN_STREAMS")->capture_default_str()->check(CLI::Range(0, 4096));
  app.add_option("--max-admin-connections", c.max_admin_connections,
                 "Admin HTTP connections at once, streams included; more get 503")
      ->envname("BATON_MAX_ADMIN_CONNECTIONS")->capture_default_str()->check(CLI::Range(1, 16384));
}

std::optional<std::string> admin_usage_error(const ServerConfig& c) {
  if (c.metrics_rings.size() > kMaxMetricsRings)
    return fmt::format("--metrics-ring names {} rings; at most {} (each is 4 series in every scrape)",
                       c.metrics_rings.size(), kMaxMetricsRings);
  for (std::size_t i = 0; i < c.metrics_rings.size(); ++i) {
    const auto& name = c.metrics_rings[i];
    if (!valid_name(name)) return fmt::format("--metrics-ring: not a ring name (1 to {} of A-Z a-z 0-9 . _ -)", kMaxName);
    if (std::find(c.metrics_rings.begin(), c.metrics_rings.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        c.metrics_rings.begin() + static_cast<std::ptrdiff_t>(i))
      return fmt::format("--metrics-ring {} is named twice", name);
  }
  if (c.max_admin_streams >= c.max_admin_connections)
    return "--max-admin-streams must be below --max-admin-connections (a scrape must still get in)";
  return std::nullopt;
}

}  // namespace baton::server

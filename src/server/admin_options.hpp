// baton-server's admin-port flags (docs/ADMIN.md): --ring-history,
// --metrics-ring, --max-admin-streams, --max-admin-connections.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "server/config.hpp"

namespace baton::server {

void add_admin_options(CLI::App& app, ServerConfig& c);
// After parsing: why the admin flags can't work together, or nullopt.
std::optional<std::string> admin_usage_error(const ServerConfig& c);

}  // namespace baton::server

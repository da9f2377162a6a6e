// baton-server's flags for who may connect and do what: tokens, TLS, the
// legacy ring and the quotas (part of options.cpp's command line).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "server/config.hpp"

namespace baton::server {

void add_security_options(CLI::App& app, ServerConfig& c);
// After parsing: flags that contradict each other, or nullopt.
std::optional<std::string> security_usage_error(const ServerConfig& c);

// --hash-token / --new-token: print and return the exit code, or nullopt when
// neither was asked for.
std::optional<int> run_token_commands();

}  // namespace baton::server

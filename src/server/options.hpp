// baton-server's command line: every flag, each also read from BATON_<FLAG>
// (flags win), parsed by CLI11 into a ServerConfig.
#pragma once

#include <optional>

#include "server/config.hpp"

namespace baton::server {

// Parses argv. Returns the exit code to stop with (0 after --help, 64 for bad
// usage) or nullopt to go on with config filled in.
std::optional<int> parse_options(int argc, char** argv, ServerConfig& config);

}  // namespace baton::server

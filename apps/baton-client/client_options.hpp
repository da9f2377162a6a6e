// baton-client's command line: every flag, each also read from BATON_<FLAG>
// (flags win). Defaults reproduce the seed's client: --start 1 --step 2 --interval 1s.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "baton/client.hpp"

namespace baton::cli {

struct CliOptions {
  ClientOptions client;
  std::int64_t start = 1;
  std::int64_t step = 2;
  std::chrono::microseconds interval = std::chrono::seconds(1);
  std::uint64_t count = 0;  // 0: forever
  bool watch = false;
  bool quiet = false;
};

// Returns an exit code to stop with (EX_OK after --help, EX_USAGE for bad usage), or nullopt.
std::optional<int> parse_options(int argc, char** argv, CliOptions& out);

}  // namespace baton::cli

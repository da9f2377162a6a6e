// baton-ctl's command line: the admin port, the token, the output form, and
// one command (status, rings, ring NAME, watch NAME, or an action on a ring:
// skip, kick, pause, resume, set, drain) with its own flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "admin_client.hpp"

namespace baton::ctl {

enum class Command { status, rings, ring, watch, skip, kick, pause, resume, set, drain };

// The actions (docs/ADMIN.md: POST /rings/NAME/ACTION) are the commands from
// skip on, so that a new one can't be left out of the test.
constexpr bool is_action(Command c) { return c >= Command::skip; }

struct CtlOptions {
  AdminTarget admin;
  bool json = false;
  Command command = Command::status;
  unsigned limit = 0;      // rings: page size; 0 = the server's default (1000 with --all)
  std::string after;       // rings: start after this name
  bool all = false;        // rings: follow `next` to the end
  std::string ring;        // ring, watch, the actions
  std::uint64_t count = 0; // watch: stop after this many turn events; 0 = until a signal
  std::string member;      // kick
  // set: sent as the operator wrote them (the server's parser is the one that
  // counts); empty / nullopt = leave as it is. At least one is given.
  std::string turn_timeout;
  std::optional<unsigned> min_members;
};

// Returns an exit code to stop with (EX_OK after --help, EX_USAGE for bad usage), or nullopt.
std::optional<int> parse_options(int argc, char** argv, CtlOptions& out);

// "HOST:PORT" or "[V6]:PORT" into target; false if it is neither.
bool parse_admin_address(std::string_view text, AdminTarget& target);

}  // namespace baton::ctl

// baton-server: parse flags, start logging, run the server until a signal.
// Exit codes: 0 ok, 64 bad usage (also an --auth-file or TLS file that can't
// be read or used), 65 the journal is damaged or of another
// format, 70 internal error (e.g. the port is taken), 75 the journal directory
// is in use by another server.
#include <sysexits.h>

#include <exception>
#include <iostream>

#include "core/auth.hpp"
#include "server/journal_dir.hpp"
#include "server/log.hpp"
#include "server/options.hpp"
#include "server/server.hpp"
#include "server/tls_context.hpp"

namespace {

// What stopped the server, as an exit code (see the top of this file).
int exit_code_of(const std::exception& e) {
  if (dynamic_cast<const baton::server::JournalUnusable*>(&e)) return EX_DATAERR;
  if (dynamic_cast<const baton::server::JournalLocked*>(&e)) return EX_TEMPFAIL;
  if (dynamic_cast<const baton::auth::AuthFileError*>(&e) || dynamic_cast<const baton::server::TlsFilesError*>(&e))
    return EX_USAGE;
  return EX_SOFTWARE;
}

}  // namespace

int main(int argc, char** argv) {
  baton::server::ServerConfig config;
  if (auto rc = baton::server::parse_options(argc, argv, config)) return *rc;
  baton::server::init_logging(config.log_json);
  int rc = EX_OK;
  try {
    baton::server::Server server(config);
    server.run();
  } catch (const std::exception& e) {
    rc = exit_code_of(e);
    baton::server::log_warn(std::string("baton-server: ") + e.what());
  }
  baton::server::shutdown_logging();
  return rc;
}

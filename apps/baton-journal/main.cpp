// baton-journal: reads a baton-server journal directory without changing it.
//   baton-journal dump DIR    every record, one line each (see dump.hpp)
//   baton-journal check DIR   what recovery would find, and the floor
// Exit codes: 0 clean, 64 bad usage, 65 damaged (or not a journal of this
// format), 66 no such directory.
#include <sysexits.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "dump.hpp"
#include "server/journal_dir.hpp"

int main(int argc, char** argv) {
  CLI::App app{"baton-journal: reads a baton-server --journal directory; changes nothing."};
  app.require_subcommand(1);
  std::string dir;
  auto* dump = app.add_subcommand("dump", "Print every record of every segment, oldest first: FILE OFFSET BODY");
  dump->add_option("DIR", dir, "The --journal directory")->required();
  auto* check = app.add_subcommand("check", "Verify every segment; print the damage found and the floor");
  check->add_option("DIR", dir, "The --journal directory")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? EX_OK : EX_USAGE;
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec)) {
    std::cerr << "baton-journal: " << dir << " is a file: the old text journal, readable as it is\n";
    return EX_DATAERR;
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << "baton-journal: no journal directory at " << dir << "\n";
    return EX_NOINPUT;
  }
  try {
    if (*dump) return baton::tools::dump_journal(dir, std::cout, std::cerr) == 0 ? EX_OK : EX_DATAERR;
    return baton::tools::check_journal(dir, std::cout) ? EX_OK : EX_DATAERR;
  } catch (const baton::server::JournalUnusable& e) {
    std::cerr << "baton-journal: " << e.what() << "\n";
    return EX_DATAERR;
  } catch (const std::exception& e) {
    std::cerr << "baton-journal: " << e.what() << "\n";
    return EX_SOFTWARE;
  }
}

// baton-journal's two readings of a journal directory; neither changes it.
#pragma once

#include <filesystem>
#include <ostream>

namespace baton::tools {

// Every valid record of every segment, oldest segment first, one line each:
//   <segment file name> <offset> <body>
// Damaged ranges go to `err` as "<file> <offset>: <n> damaged bytes".
// Returns the number of damaged ranges and bad headers found.
std::size_t dump_journal(const std::filesystem::path& dir, std::ostream& out, std::ostream& err);

// What the server's recovery would find: each finding, then "floor <N>".
// Returns true if the journal is clean.
bool check_journal(const std::filesystem::path& dir, std::ostream& out);

}  // namespace baton::tools

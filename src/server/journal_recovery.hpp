// Reading the journal directory back at start: the floor above which every
// ring's turn numbers continue, and what to do about damage.
//
// A damaged tail of a shard's newest segment is what a crash mid-write leaves
// (or garbage appended after the last record): it is cut off with a warning.
// Anything else (damage followed by valid records, a damaged tail of an older
// segment, a bad header, an unparsable body, a number that could overflow the
// turn counter) means the file was changed after it was written: the server
// refuses to start (JournalDamage: file, offset) unless told to repair, since
// guessing could hand out a turn number twice.
//
// Thread: called once, before the shards start (and by baton-journal).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/journal_dir.hpp"

namespace baton::server {

enum class RecoveryMode : std::uint8_t {
  start,   // cut torn tails of newest segments; throw on any other damage
  repair,  // --journal-repair: also drop damaged bytes and bad records, rewriting those files
  check,   // change nothing; report every finding as a warning
};

struct Recovery {
  std::uint64_t floor = 0;      // the highest number in any valid R or S record; 0 if none
  std::uint64_t next_seq = 1;   // above every segment's seq: the first seq of this run
  std::vector<std::string> warnings;
  // The last turn each member sent in each ring ("ring/name" -> turn), so
  // that a client reconnecting after a restart learns whether its last send
  // was committed (docs/PROTOCOL.md, "Resuming a seat").
  std::unordered_map<std::string, std::uint64_t> last_sends;
  bool damaged = false;         // something was (or, in check mode, would be) cut, dropped or refused
};

// Throws JournalDamage (start mode), JournalUnusable (a segment of a newer
// format, in every mode), std::system_error (I/O).
Recovery recover_journal(const fs::path& dir, RecoveryMode mode);

}  // namespace baton::server

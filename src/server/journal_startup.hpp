// --journal DIR at start: the directory made ready and locked, recovery run
// (its warnings logged), one new segment per shard, and old segments beyond
// --journal-max-bytes removed.
//
// Thread: called once by the server's controlling thread, before the shards run.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "server/config.hpp"
#include "server/journal.hpp"
#include "server/journal_dir.hpp"

namespace baton::server {

struct OpenJournal {
  std::optional<DirLock> lock;  // held as long as this lives
  std::uint64_t floor = 0;      // every ring's numbers continue above this
  std::vector<std::unique_ptr<ShardJournal>> shards;  // one per shard, in shard order
  std::unordered_map<std::string, std::uint64_t> last_sends;  // Recovery::last_sends
};

// Throws JournalUnusable / JournalDamage (exit 65), JournalLocked (exit 75),
// std::system_error.
OpenJournal open_journal(const ServerConfig& config, unsigned shards);

}  // namespace baton::server

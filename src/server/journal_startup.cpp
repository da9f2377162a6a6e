#include "server/journal_startup.hpp"

#include <fmt/format.h>

#include "server/journal_recovery.hpp"
#include "server/log.hpp"

namespace baton::server {

OpenJournal open_journal(const ServerConfig& config, unsigned shards) {
  const fs::path dir = config.journal;
  prepare_dir(dir);
  OpenJournal j;
  // Locked before recovery reads anything: a second server must not cut or
  // rewrite the files the first one is appending to.
  j.lock.emplace(dir);
  const Recovery r = recover_journal(dir, config.journal_repair ? RecoveryMode::repair : RecoveryMode::start);
  for (const auto& w : r.warnings) log_warn("journal: " + w);
  j.floor = r.floor;
  j.last_sends = r.last_sends;
  const JournalLimits limits{config.journal_segment_bytes, config.journal_max_bytes};
  std::vector<fs::path> active;
  for (unsigned i = 0; i < shards; ++i) {
    j.shards.push_back(std::make_unique<ShardJournal>(dir, i, r.next_seq, r.floor, limits));
    active.push_back(j.shards.back()->active_segment());
  }
  // Each new segment starts with R <floor>, so every older file may go; room
  // is left for one new segment to fill up (the maximum is at least two).
  for (const auto& gone : enforce_retention(dir, limits.max_bytes / 2, std::nullopt, active))
    log_info(fmt::format("journal: removed {} (over --journal-max-bytes)", gone.string()));
  log_info(fmt::format("journal {}: turn numbers continue above {}", dir.string(), r.floor));
  return j;
}

}  // namespace baton::server

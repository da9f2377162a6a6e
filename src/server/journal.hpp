// The durable journal of one shard (--journal DIR): the shard's own segments
// in the journal directory, appended to by that shard's thread only, so no fd
// is shared and no lock is taken. docs/ARCHITECTURE.md, "The journal", has the
// format, the recovery rules and the retention.
//
// A batch of sends is one write(2) and one fdatasync: a pass of the event loop
// acknowledges all its sends for one sync. A failed write or sync (disk full,
// I/O error, short write) is cut off again with ftruncate, so the segment
// never holds half a batch that a later batch would bury in the middle.
//
// Thread: one ShardJournal per shard, used by that shard's thread only.
#pragma once

#include <cstdint>
#include <string>

#include "core/journal_port.hpp"
#include "server/config.hpp"
#include "server/journal_dir.hpp"

namespace baton::server {

struct JournalLimits {
  std::uint64_t segment_bytes = kDefaultSegmentBytes;  // rotate once the active segment is larger
  std::uint64_t max_bytes = kDefaultJournalMaxBytes;   // all segments of DIR together, kept by retention
};

class ShardJournal final : public JournalPort {
 public:
  // Creates segment `seq` of `shard` in dir, its first record `R reservation`,
  // durable on return. Throws std::system_error.
  ShardJournal(fs::path dir, unsigned shard, std::uint64_t seq, std::uint64_t reservation, JournalLimits limits);
  ~ShardJournal() override;
  ShardJournal(const ShardJournal&) = delete;
  ShardJournal& operator=(const ShardJournal&) = delete;

  void stage_send(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) override;
  std::size_t staged() const override { return staged_; }
  bool commit() override;
  bool reserve(std::uint64_t upto) override;

  const JournalStats* stats() const override { return &stats_; }
  std::uint64_t reservation() const noexcept { return reservation_; }
  const fs::path& active_segment() const noexcept { return path_; }

 private:
  bool append(const std::string& bytes);
  void maybe_rotate(std::size_t incoming);

  fs::path dir_;
  unsigned shard_;
  std::uint64_t seq_;
  JournalLimits limits_;
  fs::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;       // bytes of the active segment known durable
  std::uint64_t fresh_size_ = 0; // its size when new: header and first record; never rotated away
  std::uint64_t rotate_at_ = 0;  // after a failed rotation, the next try waits for more bytes
  std::uint64_t reservation_;
  std::string batch_;
  std::size_t staged_ = 0;
  bool oversize_ = false;        // a staged send too large for a record: the batch fails
  bool broken_ = false;
  JournalStats stats_;          // a failed write could not be cut off: nothing more is written
};

}  // namespace baton::server

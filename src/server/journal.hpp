// The durable journal (--journal FILE): one line per accepted send, made
// durable (fdatasync) before the send is acknowledged, plus one line per grant
// so that turn numbers are never reused after a restart.
//
//   S <ring> <turn> <name> <payload>     an accepted send
//   G <ring> <turn>                      a grant (not synced: see docs/ARCHITECTURE.md)
//
// Thread: append_send() and append_grant() may be called from every shard at once: each record is one
// write(2) to an O_APPEND file, which the kernel keeps whole; no lock is taken.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace baton::server {

// Highest turn number per ring found in a journal.
using TurnHistory = std::unordered_map<std::string, std::uint64_t>;

class Journal {
 public:
  // Opens (creating) path for appending; throws std::system_error.
  explicit Journal(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads a journal back; a missing file is an empty history. A torn last
  // line (crash mid-write) is ignored.
  static TurnHistory recover(const std::string& path);

  // Returns false if the write or the sync failed (the send must then not be acked).
  bool append_send(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload);
  void append_grant(std::string_view ring, std::uint64_t turn);

 private:
  int fd_ = -1;
};

}  // namespace baton::server

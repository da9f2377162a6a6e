// The durable journal (--journal FILE), one line per record:
//
//   S <ring> <turn> <name> <payload>     an accepted send
//   G <ring> <upto>                      a reservation: numbers up to <upto> may be granted
//
// Each shard opens the file for itself (O_APPEND: each batch is one write(2),
// which the kernel keeps whole), so no descriptor is shared between threads.
// Thread: one Journal per shard, used by its thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/journal_port.hpp"

namespace baton::server {

class Journal final : public JournalPort {
 public:
  // Opens (creating) path for appending; throws std::system_error.
  explicit Journal(const std::string& path);
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // The highest number a journal names; a missing file is 0. A torn last line
  // (crash mid-write) is ignored.
  static std::uint64_t recover(const std::string& path);

  void stage_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                  std::string_view payload) override;
  std::size_t staged() const override { return staged_; }
  bool commit() override;
  bool reserve(std::uint64_t upto) override;

 private:
  bool write_synced(const std::string& bytes);

  int fd_ = -1;
  std::string batch_;
  std::size_t staged_ = 0;
};

}  // namespace baton::server

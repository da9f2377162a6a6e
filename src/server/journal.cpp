#include "server/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <system_error>

namespace baton::server {

Journal::Journal(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open journal " + path);
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t Journal::recover(const std::string& path) {
  std::uint64_t floor = 0;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no '\n': a torn record
    if (line.size() < 5 || (line[0] != 'S' && line[0] != 'G') || line[1] != ' ') continue;
    const auto sp1 = line.find(' ', 2);
    if (sp1 == std::string::npos) continue;
    const auto sp2 = line.find(' ', sp1 + 1);
    const auto end = sp2 == std::string::npos ? line.size() : sp2;
    std::uint64_t turn = 0;
    auto [p, ec] = std::from_chars(line.data() + sp1 + 1, line.data() + end, turn);
    if (ec != std::errc{} || p != line.data() + end) continue;
    floor = std::max(floor, turn);
  }
  return floor;
}

void Journal::stage_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                         std::string_view payload) {
  batch_.append("S ").append(ring).append(" ").append(std::to_string(turn)).append(" ").append(name)
      .append(" ").append(payload).append("\n");
  ++staged_;
}

bool Journal::commit() {
  const bool ok = write_synced(batch_);
  batch_.clear();
  staged_ = 0;
  return ok;
}

bool Journal::reserve(std::uint64_t upto) { return write_synced("G * " + std::to_string(upto) + "\n"); }

bool Journal::write_synced(const std::string& bytes) {
  if (bytes.empty()) return true;
  if (::write(fd_, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) return false;
  return ::fdatasync(fd_) == 0;
}

}  // namespace baton::server

#include "server/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

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

TurnHistory Journal::recover(const std::string& path) {
  TurnHistory history;
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
    auto& last = history[line.substr(2, sp1 - 2)];
    if (turn > last) last = turn;
  }
  return history;
}

bool Journal::append_send(std::string_view ring, std::uint64_t turn, std::string_view name,
                          std::string_view payload) {
  std::string rec;
  rec.reserve(ring.size() + name.size() + payload.size() + 32);
  rec.append("S ").append(ring).append(" ").append(std::to_string(turn)).append(" ").append(name)
      .append(" ").append(payload).append("\n");
  if (::write(fd_, rec.data(), rec.size()) != static_cast<ssize_t>(rec.size())) return false;
  return ::fdatasync(fd_) == 0;
}

void Journal::append_grant(std::string_view ring, std::uint64_t turn) {
  std::string rec;
  rec.append("G ").append(ring).append(" ").append(std::to_string(turn)).append("\n");
  [[maybe_unused]] auto n = ::write(fd_, rec.data(), rec.size());
}

}  // namespace baton::server

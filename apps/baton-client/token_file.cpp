#include "token_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/limits.hpp"

namespace baton::cli {

namespace {

// Read no further than a token, its newline and some trailing blanks: a first
// line longer than that is no token, and a huge file (or /dev/zero) must not
// be read whole.
constexpr std::size_t kTokenFileBytes = kMaxTokenBytes + 64;

std::optional<std::string> fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> read_token_file(const std::string& path, std::string* why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(why, std::strerror(errno));
  std::string got(kTokenFileBytes, '\0');
  std::size_t used = 0;
  int read_errno = 0;
  // Until the first newline, not the end: a pipe (--token-file /dev/stdin)
  // may stay open after it.
  while (used < got.size() && std::string_view(got.data(), used).find('\n') == std::string_view::npos) {
    const ssize_t n = ::read(fd, got.data() + used, got.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (read_errno != 0) return fail(why, std::strerror(read_errno));
  got.resize(used);
  const auto nl = got.find('\n');
  if (nl == std::string::npos && used == kTokenFileBytes)
    return fail(why, "its first line is longer than " + std::to_string(kMaxTokenBytes) + " characters");
  got.resize(std::min(nl, got.size()));
  got.erase(got.find_last_not_of(" \t\r\v\f") + 1);
  if (got.empty()) return fail(why, "its first line is empty");
  return got;
}

}  // namespace baton::cli

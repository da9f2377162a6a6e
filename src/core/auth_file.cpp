// Reading --auth-file text into an AuthTable; the format is in auth.hpp.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <system_error>

#include "core/auth.hpp"

namespace baton::auth {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::string_view kTokenPrefix = "sha256:";
constexpr std::string_view kCertPrefix = "cert:";
constexpr std::size_t kHexDigits = 2 * kDigestBytes;
constexpr std::size_t kMaxFields = 4;
constexpr std::size_t kLabelHexDigits = 8;  // of the hash, in a default label
constexpr std::size_t kReadChunkBytes = 64u << 10;

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// 1..max_bytes characters, each alphanumeric or one of extra.
bool made_of(std::string_view s, std::size_t max_bytes, std::string_view extra) {
  if (s.empty() || s.size() > max_bytes) return false;
  for (const char c : s)
    if (!alnum(c) && extra.find(c) == std::string_view::npos) return false;
  return true;
}

int lower_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Calls f on each comma-separated item, empty ones included (they are errors).
template <class F>
void for_each_item(std::string_view list, F f) {
  for (;;) {
    const auto comma = list.find(',');
    f(list.substr(0, comma));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

class AuthTable::Parser {
 public:
  Parser(AuthTable& table, const std::string* path) : t_(table), path_(path) {}

  void line(std::size_t n, std::string_view text) {
    n_ = n;
    text = text.substr(0, text.find('#'));
    std::array<std::string_view, kMaxFields> fields;
    std::size_t count = 0;
    for (std::size_t i = 0;;) {
      i = text.find_first_not_of(" \t", i);
      if (i == std::string_view::npos) break;
      const auto end = std::min(text.find_first_of(" \t", i), text.size());
      if (count < kMaxFields) fields[count] = text.substr(i, end - i);
      ++count;
      i = end;
    }
    if (count == 0) return;
    // The credential first: a pasted token alone on a line deserves the advice.
    Credential c = credential(fields[0]);
    if (count < 3) fail("expected <credential> <roles> <rings> [<label>]");
    if (count > kMaxFields) fail("more than 4 fields: <credential> <roles> <rings> [<label>]");
    if (t_.grants_ == kMaxAuthGrants) fail("more than " + std::to_string(kMaxAuthGrants) + " grants");
    const Roles r = roles(fields[1]);
    Entry& e = entry(std::move(c), count == 4 ? label(fields[3]) : std::string_view{});
    std::size_t k = 0;  // the pattern's place on this line
    for_each_item(fields[2], [&](std::string_view pattern) {
      ++patterns_;
      ++k;
      if (!valid_pattern(pattern))
        fail("ring pattern " + std::to_string(k) + " is not 1 to 64 characters of A-Z a-z 0-9 . _ - and *");
      if (patterns_ > kMaxAuthPatterns)
        fail("more than " + std::to_string(kMaxAuthPatterns) + " ring patterns in the file");
      e.rules.push_back({r, std::string(pattern)});
    });
    ++t_.grants_;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    const std::string where = path_ ? *path_ + ":" + std::to_string(n_) : "line " + std::to_string(n_);
    throw AuthFileError(n_, where + ": " + why);
  }

  Credential credential(std::string_view field) const {
    Credential c;
    if (field.starts_with(kTokenPrefix)) {
      const auto hex = field.substr(kTokenPrefix.size());
      if (hex.size() != kHexDigits) fail("sha256: takes exactly 64 lowercase hex digits");
      for (std::size_t i = 0; i < kDigestBytes; ++i) {
        const int hi = lower_hex(hex[2 * i]), lo = lower_hex(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) fail("sha256: takes exactly 64 lowercase hex digits");
        c.digest[i] = static_cast<unsigned char>(hi * 16 + lo);
      }
      c.kind = Credential::Kind::token;
      c.label = std::string(kTokenPrefix) + std::string(hex.substr(0, kLabelHexDigits));
      return c;
    }
    if (field.starts_with(kCertPrefix)) {
      const auto name = field.substr(kCertPrefix.size());
      if (!made_of(name, kMaxCertNameBytes, "._@:/-"))
        fail("cert: takes a name of 1 to 253 characters of A-Z a-z 0-9 . _ @ : / -");
      c.kind = Credential::Kind::cert;
      c.cert_name = name;
      c.label = field;
      return c;
    }
    // Not quoted: the likeliest mistake here is a token, which must not reach a log.
    fail("the credential must be sha256:<64 hex digits> or cert:<name>. A token never goes in this file: "
         "store its hash (baton-server --hash-token) and remove the token from the file");
  }

  Roles roles(std::string_view field) const {
    Roles r = 0;
    for_each_item(field, [&](std::string_view role) {
      if (role == "member") r |= member;
      else if (role == "watcher") r |= watcher;
      else if (role == "admin") r |= admin | member | watcher;
      else fail("roles are member, watcher or admin, comma-separated");
    });
    return r;
  }

  std::string_view label(std::string_view field) const {
    if (!made_of(field, kMaxLabelBytes, "._@-")) fail("the label is 1 to 64 characters of A-Z a-z 0-9 . _ @ -");
    return field;
  }

  // The credential's entry, made on its first line.
  Entry& entry(Credential c, std::string_view label) {
    auto [it, fresh] = t_.index_.try_emplace(identity(c), t_.entries_.size());
    if (fresh) {
      if (c.kind == Credential::Kind::token) {
        t_.token_digests_.push_back(c.digest);
        t_.token_entries_.push_back(it->second);
      }
      t_.entries_.push_back({std::move(c), false, 0, {}});
    }
    Entry& e = t_.entries_[it->second];
    if (!label.empty()) {
      if (e.labelled && e.credential.label != label)
        fail("this credential has another label on line " + std::to_string(e.label_line));
      if (!e.labelled) {
        e.labelled = true;
        e.label_line = n_;
        e.credential.label = label;
      }
    }
    return e;
  }

  AuthTable& t_;
  const std::string* path_;
  std::size_t n_ = 0;
  std::size_t patterns_ = 0;
};

AuthTable AuthTable::parse_text(std::string_view text, const std::string* path) {
  if (text.size() > kMaxAuthFileBytes)
    throw AuthFileError(0, (path ? *path + ": " : std::string()) + "larger than " +
                               std::to_string(kMaxAuthFileBytes) + " bytes");
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  AuthTable table;
  Parser parser(table, path);
  for (std::size_t n = 1; !text.empty(); ++n) {
    const auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    parser.line(n, line);
  }
  return table;
}

AuthTable AuthTable::parse(std::string_view text) { return parse_text(text, nullptr); }

AuthTable AuthTable::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw AuthFileError(0, path + ": " + std::system_category().message(errno));
  std::string text;
  std::string chunk(kReadChunkBytes, '\0');
  int error = 0;
  // One byte past the bound is enough to know the file is too big.
  while (text.size() <= kMaxAuthFileBytes) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) error = errno;
    if (got <= 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (error != 0) throw AuthFileError(0, path + ": " + std::system_category().message(error));
  return parse_text(text, &path);
}

}  // namespace baton::auth

// The --auth-file table: who may join which rings, and as what.
//
// File format. UTF-8 text (an initial byte-order mark is skipped), one grant
// per line. Lines end with "\n" (a "\r" just before it is ignored). "#"
// starts a comment that runs to the end of the line, on a line of its own or
// after the fields; blank lines and comment-only lines are ignored. Fields are
// separated by runs of spaces or tabs:
//
//   <credential> <roles> <rings> [<label>]
//
//   credential  sha256:<64 lowercase hex digits>  the SHA-256 of a secret token
//                 (baton-server --hash-token prints it; the file never holds a
//                 token), matched by a HELLO that presents that token;
//               cert:<name>  a TLS client whose verified certificate carries
//                 <name> (its CN or a subject alternative name, compared byte
//                 for byte) and whose HELLO presents no token. <name>: 1 to 253
//                 characters of A-Z a-z 0-9 . _ @ : / -
//   roles       comma-separated, from: member, watcher, admin (admin implies
//               member and watcher on the same rings)
//   rings       comma-separated patterns, each 1 to 64 characters of
//               A-Z a-z 0-9 . _ - and the wildcard "*", which stands for any
//               run of name characters, possibly empty: "blue" is that ring
//               only, "team-*" every ring whose name starts "team-", "*" every
//               ring, "a*b" those starting with a and ending with b
//   label       optional, 1 to 64 characters of A-Z a-z 0-9 . _ @ -; the logs
//               name the credential by it. Default: "sha256:" and the hash's
//               first 8 hex digits, or "cert:<name>"
//
// A credential may appear on several lines: its rights are the union of them.
// Only one label per credential: a later line may repeat it or omit it, but
// not name another. Two credentials may share a label (an old and a new token
// during a rotation). Nothing else is allowed; any other line is an error
// (AuthFileError) naming its line, and error messages never quote the file,
// whose wrong field may be a token pasted by mistake. A file without grants
// is valid: it refuses everyone.
//
// Example:
//   # alice's laptop
//   sha256:bb3353ecc4637437c98b4794f12f8f5775a3e21f81f4fa5a68f4a576b0015c38 member team-*,blue alice
//   cert:ci.example.com member,watcher ci-*     # the CI runners
//   sha256:97ea5d1fbfcf4ec1035d8d0d725ce78f469e2fd4246964f9f0a44dc5b6d620ee admin *  ops
//
// Why a plain SHA-256: tokens are meant to be random secrets (new_token:
// 256 bits), which no amount of guessing finds, salt or not. A salt or a slow
// KDF protects low-entropy passwords, and would cost every HELLO milliseconds
// of CPU. So a token must never be a password someone chose.
//
// Pure apart from load() (reads one file) and new_token() (OpenSSL's RNG).
// Thread: an AuthTable is immutable once built: any thread may call its const
// members at the same time. A reload builds a new table; a Credential from the
// old one is looked up by its identity (hash or name), never by a position.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace baton::auth {

// Bounds on one table: a bigger file is refused, not truncated.
inline constexpr std::size_t kMaxAuthFileBytes = 16u << 20;
inline constexpr std::size_t kMaxAuthGrants = 100'000;       // grant lines
inline constexpr std::size_t kMaxAuthPatterns = 1'000'000;   // ring patterns, all lines together
inline constexpr std::size_t kMaxCertNameBytes = 253;        // the longest DNS name
inline constexpr std::size_t kMaxLabelBytes = 64;
inline constexpr std::size_t kDigestBytes = 32;              // SHA-256

enum Role : std::uint8_t { member = 1, watcher = 2, admin = 4 };
using Roles = std::uint8_t;

struct Credential {
  enum class Kind : std::uint8_t { token, cert };
  Kind kind = Kind::token;
  std::array<unsigned char, kDigestBytes> digest{};  // kind token: SHA-256 of the token
  std::string cert_name;                             // kind cert
  std::string label;                                 // for logs, never secret
};

class AuthFileError : public std::runtime_error {
 public:
  // line: 1-based; 0 when the file as a whole is at fault (unreadable, too big).
  AuthFileError(std::size_t line, const std::string& what) : std::runtime_error(what), line_(line) {}
  std::size_t line() const noexcept { return line_; }

 private:
  std::size_t line_;
};

class AuthTable {
 public:
  // what(): "line N: why".
  static AuthTable parse(std::string_view text);
  // Reads at most kMaxAuthFileBytes. what(): "PATH:N: why", or "PATH: why".
  static AuthTable load(const std::string& path);

  // The token's credential, or nullopt (also for a token that could not be on
  // the wire: empty, longer than kMaxTokenBytes, not printable ASCII). Every
  // token line is compared, with CRYPTO_memcmp, whichever one matches: the
  // time taken tells nothing of where, or whether, the hash is in the table.
  // Cost: linear in the number of token credentials.
  std::optional<Credential> identify_token(std::string_view token) const;
  // The credential of a cert: line for exactly this name, or nullopt.
  std::optional<Credential> identify_cert(std::string_view name) const;

  // The union of c's roles over its lines whose patterns match ring, admin
  // expanded to admin|member|watcher; 0 for a credential the table does not
  // hold or a ring that is not a valid name.
  Roles roles(const Credential& c, std::string_view ring) const;
  // May c join ring as a watcher (watcher role) or a member (member role)?
  bool allows(const Credential& c, std::string_view ring, bool as_watcher) const;

  std::size_t size() const noexcept { return grants_; }           // grant lines
  std::size_t credentials() const noexcept { return entries_.size(); }  // distinct credentials

 private:
  struct Rule {
    Roles roles;
    std::string pattern;
  };
  struct Entry {
    Credential credential;
    bool labelled = false;      // the label came from the file
    std::size_t label_line = 0;  // where
    std::vector<Rule> rules;
  };
  class Parser;

  // path: nullptr for parse(), else named in the errors.
  static AuthTable parse_text(std::string_view text, const std::string* path);
  static std::string identity(const Credential& c);
  const Entry* find(const Credential& c) const;

  std::vector<Entry> entries_;
  // Token entries' digests side by side, for the full scan of identify_token.
  std::vector<std::array<unsigned char, kDigestBytes>> token_digests_;
  std::vector<std::size_t> token_entries_;
  // Identity ("t" + digest or "c" + name) -> entries_ index. Never consulted
  // with an unidentified token's hash (see identify_token).
  std::unordered_map<std::string, std::size_t> index_;
  std::size_t grants_ = 0;
};

// "sha256:" and the lowercase hex SHA-256 of token: the credential field for
// it. Hashes whatever it is given; check valid_token() first.
std::string hash_token(std::string_view token);
// 32 bytes from OpenSSL's RAND_bytes as unpadded base64url: 43 characters.
// Throws std::runtime_error if the generator fails.
std::string new_token();
// A token HELLO can carry: 1 to kMaxTokenBytes of printable ASCII, no space
// (the same rule as v1::parse).
bool valid_token(std::string_view token) noexcept;
// A ring pattern as the file allows it, and whether it matches a ring.
bool valid_pattern(std::string_view pattern) noexcept;
bool pattern_matches(std::string_view pattern, std::string_view ring) noexcept;

}  // namespace baton::auth

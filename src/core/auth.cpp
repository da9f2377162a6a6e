// AuthTable's queries, and the token helpers (hash, mint, shape).
#include "core/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/limits.hpp"

namespace baton::auth {
namespace {

constexpr std::size_t kNewTokenBytes = 32;  // 256 bits: no guessing, so no KDF (auth.hpp)

std::array<unsigned char, kDigestBytes> sha256(std::string_view data) {
  std::array<unsigned char, kDigestBytes> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size())
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return digest;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

std::string base64url(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < size; i += 3) {
    const std::size_t left = size - i;
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    if (left > 1) group |= std::uint32_t{bytes[i + 1]} << 8;
    if (left > 2) group |= bytes[i + 2];
    // 3 bytes make 4 digits; a last 1 or 2 make 2 or 3 (no '=' padding).
    const std::size_t digits = left >= 3 ? 4 : left + 1;
    for (std::size_t d = 0; d < digits; ++d) out += kDigits[(group >> (18 - 6 * d)) & 0x3F];
  }
  return out;
}

}  // namespace

std::string AuthTable::identity(const Credential& c) {
  if (c.kind == Credential::Kind::token)
    return "t" + std::string(reinterpret_cast<const char*>(c.digest.data()), c.digest.size());
  return "c" + c.cert_name;
}

const AuthTable::Entry* AuthTable::find(const Credential& c) const {
  const auto it = index_.find(identity(c));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::optional<Credential> AuthTable::identify_token(std::string_view token) const {
  if (!valid_token(token)) return std::nullopt;
  const auto digest = sha256(token);
  // No early exit and no branch on a comparison: the scan takes the same
  // path whichever line matches. Digests are unique, so at most one does.
  std::size_t found = 0;  // 1 + the matching position, 0 for none
  for (std::size_t i = 0; i < token_digests_.size(); ++i) {
    const std::size_t equal = CRYPTO_memcmp(digest.data(), token_digests_[i].data(), kDigestBytes) == 0;
    found |= (i + 1) & (std::size_t{0} - equal);
  }
  if (found == 0) return std::nullopt;
  return entries_[token_entries_[found - 1]].credential;
}

std::optional<Credential> AuthTable::identify_cert(std::string_view name) const {
  Credential probe;
  probe.kind = Credential::Kind::cert;
  probe.cert_name = name;
  const Entry* e = find(probe);
  if (!e) return std::nullopt;
  return e->credential;
}

Roles AuthTable::roles(const Credential& c, std::string_view ring) const {
  if (!valid_name(ring)) return 0;
  const Entry* e = find(c);
  if (!e) return 0;
  Roles r = 0;
  for (const Rule& rule : e->rules)
    if (pattern_matches(rule.pattern, ring)) r |= rule.roles;
  return r;
}

bool AuthTable::allows(const Credential& c, std::string_view ring, bool as_watcher) const {
  return (roles(c, ring) & (as_watcher ? watcher : member)) != 0;
}

std::string hash_token(std::string_view token) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto digest = sha256(token);
  std::string out = "sha256:";
  for (const unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

std::string new_token() {
  std::array<unsigned char, kNewTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("no random bytes for a token (OpenSSL RAND_bytes failed)");
  std::string token = base64url(bytes.data(), bytes.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return token;
}

bool valid_token(std::string_view token) noexcept {
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  for (const char c : token)
    if (c <= ' ' || c > '~') return false;
  return true;
}

bool valid_pattern(std::string_view pattern) noexcept {
  if (pattern.empty() || pattern.size() > kMaxName) return false;
  for (const char c : pattern)
    if (c != '*' && !name_char(c)) return false;
  return true;
}

bool pattern_matches(std::string_view pattern, std::string_view ring) noexcept {
  // Greedy scan that, on a mismatch, lets the last '*' swallow one more
  // character and retries: at most |pattern| * |ring| steps (64 * 64).
  constexpr auto none = std::string_view::npos;
  std::size_t p = 0, r = 0, star = none, star_r = 0;
  while (r < ring.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_r = r;
    } else if (p < pattern.size() && pattern[p] == ring[r] && name_char(ring[r])) {
      ++p;
      ++r;
    } else if (star != none && name_char(ring[star_r])) {
      p = star + 1;
      r = ++star_r;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace baton::auth

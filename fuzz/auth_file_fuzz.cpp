// The --auth-file parser on arbitrary text, checked against the format as
// core/auth.hpp states it, read here by a separate, simpler reader.
// Properties:
//  - parse() returns or throws AuthFileError, nothing else;
//  - an error names a line of the text ("line N: ", 1 <= N <= lines) and
//    never quotes a field of that line (it may be a secret);
//  - a table has one grant per non-blank, non-comment line; every line's
//    credential is found (identify_cert, or identify_token for the probe
//    tokens whose hash the text holds, and for no other), with the line's
//    label or the default one, and has at least the line's roles (admin
//    expanded) on a ring spelled like each of its patterns;
//  - roles() never gives admin without member and watcher, nothing on a
//    name that is not a ring name, and pattern_matches agrees with a
//    dynamic-programming matcher on the text's own fields.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/limits.hpp"
#include "fuzz_util.hpp"

using namespace baton;
using namespace baton::auth;

namespace {

constexpr std::string_view kProbeTokens[] = {"abc", "fuzz-token-1", "fuzz-token-2"};
// Bytes no error message contains: a field holding one cannot be in a message by chance.
constexpr std::string_view kMessageBytes =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 :<>[].,_@/()*-";
constexpr std::size_t kShortestQuotableField = 12;
// Work per input for the matcher comparison: patterns x probes x 64^2 steps.
constexpr std::size_t kMaxProbeRings = 16;
constexpr std::size_t kMaxCheckedPatterns = 64;

bool name_char(char c) { return valid_name(std::string_view(&c, 1)); }

// '*' matches any run of name characters: match[i][j] = pattern[i..] matches ring[j..].
bool reference_match(std::string_view pattern, std::string_view ring) {
  const std::size_t n = pattern.size(), m = ring.size();
  std::vector<char> match((n + 1) * (m + 1), 0);
  const auto at = [&](std::size_t i, std::size_t j) -> char& { return match[i * (m + 1) + j]; };
  at(n, m) = 1;
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m + 1; j-- > 0;) {
      if (pattern[i] == '*')
        at(i, j) = at(i + 1, j) || (j < m && name_char(ring[j]) && at(i, j + 1));
      else
        at(i, j) = j < m && pattern[i] == ring[j] && name_char(ring[j]) && at(i + 1, j + 1);
    }
  return at(0, 0) != 0;
}

std::vector<std::string_view> split(std::string_view s, std::string_view separators) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while ((i = s.find_first_not_of(separators, i)) != std::string_view::npos) {
    const auto end = std::min(s.find_first_of(separators, i), s.size());
    out.push_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

// The text's lines, each as its fields (comments gone).
std::vector<std::vector<std::string_view>> read_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::vector<std::string_view>> lines;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(split(line.substr(0, line.find('#')), " \t"));
  }
  return lines;
}

Roles line_roles(std::string_view field) {
  Roles r = 0;
  for (const auto role : split(field, ","))
    r |= role == "member" ? member : role == "watcher" ? watcher : admin | member | watcher;
  return r;
}

void check_error(const AuthFileError& e, const std::vector<std::vector<std::string_view>>& lines) {
  const std::string what = e.what();
  FUZZ_CHECK(e.line() >= 1 && e.line() <= lines.size());
  FUZZ_CHECK(what.rfind("line " + std::to_string(e.line()) + ": ", 0) == 0);
  for (const auto field : lines[e.line() - 1])
    if (field.size() >= kShortestQuotableField && field.find_first_not_of(kMessageBytes) != std::string_view::npos)
      FUZZ_CHECK(what.find(field) == std::string::npos);
}

std::optional<std::array<unsigned char, kDigestBytes>> digest_of(std::string_view field) {
  std::array<unsigned char, kDigestBytes> digest{};
  if (!field.starts_with("sha256:") || field.size() != 7 + 2 * kDigestBytes) return std::nullopt;
  for (std::size_t i = 0; i < 2 * kDigestBytes; ++i) {
    const char c = field[7 + i];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    digest[i / 2] = static_cast<unsigned char>(digest[i / 2] << 4 | v);
  }
  return digest;
}

void check_table(const AuthTable& t, const std::vector<std::vector<std::string_view>>& lines) {
  // A credential's label: the one its lines give (they agree), else the default.
  std::map<std::string_view, std::string> labels;
  std::vector<std::string_view> probes;  // ring names to try every pattern on
  for (const auto& fields : lines) {
    if (fields.empty()) continue;
    FUZZ_CHECK(fields.size() >= 3 && fields.size() <= 4);
    auto& label = labels[fields[0]];
    if (fields.size() == 4) {
      FUZZ_CHECK(label.empty() || label == fields[3]);
      label = fields[3];
    }
    for (const auto field : fields)
      if (probes.size() < kMaxProbeRings && field.size() <= kMaxName) probes.push_back(field);
  }
  for (auto& [credential, label] : labels)
    if (label.empty()) label = credential.starts_with("cert:") ? credential : credential.substr(0, 7 + 8);

  std::size_t grants = 0, checked_patterns = 0;
  for (const auto& fields : lines) {
    if (fields.empty()) continue;
    ++grants;
    Credential c;
    if (fields[0].starts_with("cert:")) {
      const auto found = t.identify_cert(fields[0].substr(5));
      FUZZ_CHECK(found && found->kind == Credential::Kind::cert && found->cert_name == fields[0].substr(5));
      FUZZ_CHECK(found->label == labels.at(fields[0]));
      c = *found;
    } else {
      const auto digest = digest_of(fields[0]);
      FUZZ_CHECK(digest.has_value());
      c.digest = *digest;
    }
    const Roles want = line_roles(fields[1]);
    for (const auto pattern : split(fields[2], ",")) {
      std::string ring(pattern);
      for (char& ch : ring)
        if (ch == '*') ch = 'a';
      const Roles got = t.roles(c, ring);
      FUZZ_CHECK((got & want) == want);
      FUZZ_CHECK(!(got & admin) || ((got & member) && (got & watcher)));
      FUZZ_CHECK(t.allows(c, ring, true) == ((got & watcher) != 0));
      FUZZ_CHECK(t.allows(c, ring, false) == ((got & member) != 0));
      if (++checked_patterns > kMaxCheckedPatterns) continue;
      for (const auto probe : probes) FUZZ_CHECK(pattern_matches(pattern, probe) == reference_match(pattern, probe));
    }
    FUZZ_CHECK(t.roles(c, "a/b") == 0 && t.roles(c, "") == 0);
  }
  FUZZ_CHECK(t.size() == grants && t.credentials() == labels.size());

  for (const auto token : kProbeTokens) {
    const auto hash = hash_token(token);
    const auto found = t.identify_token(token);
    FUZZ_CHECK(found.has_value() == labels.contains(hash));
    if (found) FUZZ_CHECK(found->kind == Credential::Kind::token && found->digest == *digest_of(hash) &&
                          found->label == labels.at(hash));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto lines = read_lines(text);
  try {
    check_table(AuthTable::parse(text), lines);
  } catch (const AuthFileError& e) {
    check_error(e, lines);
  }
  return 0;
}

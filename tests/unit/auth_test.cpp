// The --auth-file table: format, errors with their lines, rights, tokens.
#include "core/auth.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

namespace baton::auth {
namespace {

// sha256("abc"), the FIPS 180-2 example.
constexpr std::string_view kAbcHash = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::size_t error_line(std::string_view text, std::string* what = nullptr) {
  try {
    AuthTable::parse(text);
  } catch (const AuthFileError& e) {
    if (what) *what = e.what();
    return e.line();
  }
  ADD_FAILURE() << "parsed: " << text;
  return 0;
}

Credential cert(const AuthTable& t, std::string_view name) {
  const auto c = t.identify_cert(name);
  EXPECT_TRUE(c.has_value()) << name;
  return c.value_or(Credential{});
}

TEST(Auth, HashTokenKnownVector) {
  EXPECT_EQ(hash_token("abc"), kAbcHash);
  EXPECT_EQ(hash_token("").size(), 7u + 64u);
}

TEST(Auth, ParsesTokenAndCertLines) {
  const auto t = AuthTable::parse(std::string(kAbcHash) + " member team-*,blue alice\n"
                                  "cert:ci.example.com\twatcher   *\n");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.credentials(), 2u);
  const auto alice = t.identify_token("abc");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->kind, Credential::Kind::token);
  EXPECT_EQ(alice->label, "alice");
  EXPECT_EQ(t.roles(*alice, "team-x"), member);
  EXPECT_EQ(t.roles(*alice, "blue"), member);
  EXPECT_EQ(t.roles(*alice, "bluer"), 0);
  EXPECT_TRUE(t.allows(*alice, "blue", false));
  EXPECT_FALSE(t.allows(*alice, "blue", true));

  const auto ci = cert(t, "ci.example.com");
  EXPECT_EQ(ci.kind, Credential::Kind::cert);
  EXPECT_EQ(ci.label, "cert:ci.example.com");
  EXPECT_TRUE(t.allows(ci, "anything", true));
  EXPECT_FALSE(t.allows(ci, "anything", false));
  EXPECT_FALSE(t.identify_cert("ci.example.co"));
  EXPECT_FALSE(t.identify_cert("CI.example.com")) << "byte for byte";
}

TEST(Auth, DefaultLabelIsTheHashPrefix) {
  const auto t = AuthTable::parse(std::string(kAbcHash) + " member r");
  EXPECT_EQ(t.identify_token("abc")->label, "sha256:ba7816bf");
}

TEST(Auth, CommentsBlankLinesAndLineEnds) {
  const auto t = AuthTable::parse("\xEF\xBB\xBF# header\n\n   \t\n" + std::string(kAbcHash) +
                                  " member r # trailing comment\r\n"
                                  "cert:x watcher r#glued comment\n"
                                  "  # indented comment\n"
                                  "cert:y member r");  // no final newline
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.roles(*t.identify_token("abc"), "r"), member);
  EXPECT_EQ(t.roles(cert(t, "x"), "r"), watcher);
  EXPECT_EQ(t.roles(cert(t, "y"), "r"), member);
}

TEST(Auth, EmptyFileRefusesEveryone) {
  const auto t = AuthTable::parse("# nobody yet\n");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.identify_token("abc"));
  EXPECT_FALSE(t.identify_cert("x"));
}

TEST(Auth, LinesOfOneCredentialAreUnited) {
  const auto t = AuthTable::parse(std::string(kAbcHash) + " member a\n" +
                                  "cert:x member a\n" +  // another credential in between
                                  std::string(kAbcHash) + " watcher a,b label2\n" +
                                  std::string(kAbcHash) + " member c label2\n");
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.credentials(), 2u);
  const auto c = *t.identify_token("abc");
  EXPECT_EQ(c.label, "label2") << "a later line may name an unlabelled credential";
  EXPECT_EQ(t.roles(c, "a"), member | watcher);
  EXPECT_EQ(t.roles(c, "b"), watcher);
  EXPECT_EQ(t.roles(c, "c"), member);
  EXPECT_EQ(t.roles(c, "d"), 0);
}

TEST(Auth, AdminImpliesMemberAndWatcherOnItsRingsOnly) {
  const auto t = AuthTable::parse("cert:ops admin ops-*\ncert:ops watcher *\n");
  const auto c = cert(t, "ops");
  EXPECT_EQ(t.roles(c, "ops-1"), admin | member | watcher);
  EXPECT_TRUE(t.allows(c, "ops-1", false));
  EXPECT_EQ(t.roles(c, "dev"), watcher);
  EXPECT_FALSE(t.allows(c, "dev", false));
}

TEST(Auth, Globs) {
  EXPECT_TRUE(pattern_matches("*", "x"));
  EXPECT_TRUE(pattern_matches("*", ""));
  EXPECT_TRUE(pattern_matches("team-*", "team-"));
  EXPECT_TRUE(pattern_matches("team-*", "team-blue.2"));
  EXPECT_FALSE(pattern_matches("team-*", "team"));
  EXPECT_FALSE(pattern_matches("team-*", "xteam-a"));
  EXPECT_TRUE(pattern_matches("a*b", "ab"));
  EXPECT_TRUE(pattern_matches("a*b", "a-b-b"));
  EXPECT_FALSE(pattern_matches("a*b", "a-b-c"));
  EXPECT_TRUE(pattern_matches("*a*a*", "banana"));
  EXPECT_FALSE(pattern_matches("*a*a*a*a*", "banana"));
  EXPECT_TRUE(pattern_matches("exact", "exact"));
  EXPECT_FALSE(pattern_matches("exact", "Exact"));
  // '*' stands for name characters only.
  EXPECT_FALSE(pattern_matches("*", "a/b"));
  EXPECT_FALSE(pattern_matches("team-*", "team- x"));
  EXPECT_FALSE(pattern_matches("a*b", "a\nb"));

  const auto t = AuthTable::parse("cert:x member *\n");
  EXPECT_EQ(t.roles(cert(t, "x"), "a/b"), 0) << "not a ring name";
  EXPECT_EQ(t.roles(cert(t, "x"), ""), 0);
  EXPECT_EQ(t.roles(cert(t, "x"), std::string(65, 'a')), 0);
  EXPECT_EQ(t.roles(cert(t, "x"), std::string(64, 'a')), member);
}

TEST(Auth, PatternShape) {
  EXPECT_TRUE(valid_pattern("a.b_c-D9*"));
  EXPECT_TRUE(valid_pattern(std::string(64, '*')));
  EXPECT_FALSE(valid_pattern(std::string(65, 'a')));
  EXPECT_FALSE(valid_pattern(""));
  EXPECT_FALSE(valid_pattern("a?"));
  EXPECT_FALSE(valid_pattern("a/b"));
}

TEST(Auth, IdentifyToken) {
  const auto t = AuthTable::parse("sha256:" + std::string(64, '0') + " member r zero\n" + std::string(kAbcHash) +
                                  " member r\ncert:abc member r\n");
  EXPECT_TRUE(t.identify_token("abc"));
  EXPECT_FALSE(t.identify_token("abd"));
  EXPECT_FALSE(t.identify_token("ab"));
  EXPECT_FALSE(t.identify_token("")) << "no token is never a token credential";
  EXPECT_FALSE(t.identify_token("abc ")) << "cannot be on the wire";
  EXPECT_FALSE(t.identify_token(std::string(257, 'a')));
  EXPECT_FALSE(t.identify_token(std::string(kAbcHash))) << "the hash is not the token";
  // A credential the table does not hold has no rights, whatever it claims.
  Credential forged;
  forged.digest[0] = 1;
  EXPECT_EQ(t.roles(forged, "r"), 0);
}

TEST(Auth, ACredentialFromAnotherTableIsLookedUpByIdentity) {
  const auto before = AuthTable::parse(std::string(kAbcHash) + " member r\n");
  const auto after = AuthTable::parse("cert:x member r\n" + std::string(kAbcHash) + " watcher r\n");
  const auto c = *before.identify_token("abc");
  EXPECT_EQ(after.roles(c, "r"), watcher);
  EXPECT_EQ(AuthTable::parse("cert:x member r\n").roles(c, "r"), 0);
}

TEST(Auth, NewTokenShape) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto token = new_token();
    EXPECT_EQ(token.size(), 43u);
    EXPECT_TRUE(valid_token(token));
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    // 256 bits end in a digit carrying 4 of them: its 2 low bits are zero.
    EXPECT_NE(std::string_view("AEIMQUYcgkosw048").find(token.back()), std::string_view::npos) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Auth, ErrorsNameTheirLine) {
  const std::string h(kAbcHash);
  EXPECT_EQ(error_line("# ok\n\nsha256:abc member r\n"), 3u);
  EXPECT_EQ(error_line("sha256:" + std::string(64, 'A') + " member r"), 1u) << "uppercase hex";
  EXPECT_EQ(error_line("sha256:" + std::string(63, 'a') + " member r"), 1u);
  EXPECT_EQ(error_line("cert: member r"), 1u);
  EXPECT_EQ(error_line("cert:a b member r"), 1u) << "a space ends the name";
  EXPECT_EQ(error_line("cert:" + std::string(254, 'a') + " member r"), 1u);
  EXPECT_EQ(error_line("cert:x\n\ncert:y member r"), 1u) << "too few fields";
  EXPECT_EQ(error_line("cert:x member"), 1u);
  EXPECT_EQ(error_line("cert:x member r label extra"), 1u);
  EXPECT_EQ(error_line("cert:x owner r"), 1u);
  EXPECT_EQ(error_line("cert:x member, r"), 1u) << "empty role";
  EXPECT_EQ(error_line("cert:x Member r"), 1u);
  EXPECT_EQ(error_line("cert:x member r,,s"), 1u) << "empty pattern";
  EXPECT_EQ(error_line("cert:x member r/s"), 1u);
  EXPECT_EQ(error_line("cert:x member " + std::string(65, 'a')), 1u);
  EXPECT_EQ(error_line("cert:x member r bad!label"), 1u);
  EXPECT_EQ(error_line("cert:x member r " + std::string(65, 'a')), 1u);
  EXPECT_EQ(error_line("cert:x member r one\ncert:y member r\ncert:x member r two"), 3u);
  EXPECT_EQ(error_line("cert:x member r\rx"), 1u) << "a carriage return inside a line";
  std::string what;
  error_line("cert:x member r one\ncert:x member r two", &what);
  EXPECT_EQ(what, "line 2: this credential has another label on line 1");
  error_line("cert:x member a\ncert:x member b,c,d/e", &what);
  EXPECT_EQ(what.rfind("line 2: ring pattern 3 ", 0), 0u) << what;
}

TEST(Auth, APastedTokenIsNeverQuoted) {
  const std::string secret = "Zq3xV9-mT2_pLr8sKd4nYw7bHc1eFg6jA0oUiE5tQx2";
  for (const std::string& line : {secret + " member r", secret, "  " + secret + " # oops", secret + " a b c d e"}) {
    std::string what;
    EXPECT_EQ(error_line("cert:ok member r\n" + line, &what), 2u);
    EXPECT_EQ(what.find(secret), std::string::npos) << what;
    EXPECT_EQ(what.find(secret.substr(0, 8)), std::string::npos) << what;
    EXPECT_NE(what.find("--hash-token"), std::string::npos) << what;
  }
  // Nor a token that happens to start like a credential.
  for (const std::string& field : {"sha256:" + secret, "cert:" + secret + "!"}) {
    std::string what;
    error_line(field + " member r", &what);
    EXPECT_EQ(what.find(secret.substr(0, 8)), std::string::npos) << what;
  }
}

TEST(Auth, Bounds) {
  std::string many;
  for (std::size_t i = 0; i <= kMaxAuthGrants; ++i) many += "cert:x member r\n";
  EXPECT_EQ(error_line(many), kMaxAuthGrants + 1);
  many.resize(many.size() - std::string_view("cert:x member r\n").size());
  EXPECT_EQ(AuthTable::parse(many).size(), kMaxAuthGrants);

  std::string patterns = "cert:x member a";
  for (std::size_t i = 1; i <= kMaxAuthPatterns; ++i) patterns += ",a";
  EXPECT_EQ(error_line(patterns), 1u);

  try {
    AuthTable::parse(std::string(kMaxAuthFileBytes + 1, '#'));
    ADD_FAILURE() << "parsed";
  } catch (const AuthFileError& e) {
    EXPECT_EQ(e.line(), 0u);
  }
}

TEST(Auth, LoadNamesThePath) {
  const std::string path = ::testing::TempDir() + "auth_test_file";
  std::ofstream(path) << "cert:x member r\nbogus\n";
  try {
    AuthTable::load(path);
    ADD_FAILURE() << "loaded";
  } catch (const AuthFileError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(std::string(e.what()).rfind(path + ":2: ", 0), 0u) << e.what();
  }
  std::ofstream(path) << "cert:x member r\n";
  EXPECT_EQ(AuthTable::load(path).size(), 1u);
  std::remove(path.c_str());
  try {
    AuthTable::load(path);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const AuthFileError& e) {
    EXPECT_EQ(e.line(), 0u);
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
  EXPECT_THROW(AuthTable::load(::testing::TempDir()), AuthFileError) << "a directory";
}

}  // namespace
}  // namespace baton::auth

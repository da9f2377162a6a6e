// baton-client's token and TLS options: parse_options() for the rules, and
// the binary itself for what only a process shows (its argv, its exit code).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sysexits.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "baton/client.hpp"

#include "child_process.hpp"
#include "error_of.hpp"
#include "client_options.hpp"
#include "fake_server.hpp"
#include "tls_fake_server.hpp"
#include "tls_files.hpp"
#include "token_file.hpp"

namespace baton::test {
namespace {

class CliOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"BATON_TOKEN", "BATON_TOKEN_FILE", "BATON_TLS", "BATON_CA", "BATON_CERT", "BATON_KEY",
                             "BATON_SERVER_NAME", "BATON_PROTOCOL", "BATON_RECONNECT", "BATON_RECONNECT_MAX_DELAY",
                             "BATON_RECONNECT_TIMEOUT", "BATON_MODE"})
      ::unsetenv(name);
    char templ[] = "/tmp/baton-cli-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // parse_options() on baton-client ARGS...; its exit code, or nullopt to run.
  std::optional<int> parse(std::vector<std::string> args) {
    got_ = {};
    args.insert(args.begin(), "baton-client");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return cli::parse_options(static_cast<int>(args.size()), argv.data(), got_);
  }

  std::string dir_;
  cli::CliOptions got_;
};

TEST_F(CliOptionsTest, TheTokenFileIsItsFirstLineWithoutTrailingWhitespace) {
  EXPECT_EQ(parse({"--token-file", file("t", "s3cret \t\r\nsecond line\n")}), std::nullopt);
  EXPECT_EQ(got_.client.token, "s3cret");
}

TEST_F(CliOptionsTest, TheTokenFileNeedsNoNewline) {
  EXPECT_EQ(parse({"--token-file", file("t", "s3cret")}), std::nullopt);
  EXPECT_EQ(got_.client.token, "s3cret");
}

TEST_F(CliOptionsTest, TheTokenFileMayComeFromTheEnvironment) {
  ::setenv("BATON_TOKEN_FILE", file("t", "from-env\n").c_str(), 1);
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_EQ(got_.client.token, "from-env");
}

TEST_F(CliOptionsTest, TheTokenMayComeFromTheEnvironment) {
  ::setenv("BATON_TOKEN", "env-token", 1);
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_EQ(got_.client.token, "env-token");
}

TEST_F(CliOptionsTest, AnEmptyOrUnreadableTokenFileIsUsage) {
  for (const auto& content : {"", "\n", " \t\nsecond\n"}) EXPECT_EQ(parse({"--token-file", file("t", content)}), EX_USAGE);
  EXPECT_EQ(parse({"--token-file", dir_ + "/missing"}), EX_USAGE);
  EXPECT_EQ(parse({"--token-file", dir_}), EX_USAGE);  // a directory
}

TEST_F(CliOptionsTest, ATokenFileLineLongerThanAnyTokenIsRefused) {
  std::string why;
  EXPECT_EQ(cli::read_token_file(file("t", std::string(100000, 'x')), &why), std::nullopt);
  EXPECT_TRUE(has(why, "longer than")) << why;
}

TEST_F(CliOptionsTest, TokenAndTokenFileTogetherAreUsage) {
  const auto f = file("t", "s3cret\n");
  EXPECT_EQ(parse({"--token", "x", "--token-file", f}), EX_USAGE);
  ::setenv("BATON_TOKEN", "x", 1);
  EXPECT_EQ(parse({"--token-file", f}), EX_USAGE);
}

TEST_F(CliOptionsTest, TlsOptionsReachTheClientOptions) {
  const TlsFiles& t = tls_files();
  EXPECT_EQ(parse({"--tls", "--ca", t.ca, "--cert", t.client_cert, "--key", t.client_key, "--server-name", "localhost"}),
            std::nullopt);
  EXPECT_TRUE(got_.client.tls);
  EXPECT_EQ(got_.client.tls_ca, t.ca);
  EXPECT_EQ(got_.client.tls_cert, t.client_cert);
  EXPECT_EQ(got_.client.tls_key, t.client_key);
  EXPECT_EQ(got_.client.tls_server_name, "localhost");
}

TEST_F(CliOptionsTest, TlsFromTheEnvironment) {
  ::setenv("BATON_TLS", "1", 1);
  ::setenv("BATON_CA", tls_files().ca.c_str(), 1);
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_TRUE(got_.client.tls);
  EXPECT_EQ(got_.client.tls_ca, tls_files().ca);
}

TEST_F(CliOptionsTest, BadTlsCombinationsAreUsage) {
  const TlsFiles& t = tls_files();
  EXPECT_EQ(parse({"--tls", "--cert", t.client_cert}), EX_USAGE);
  EXPECT_EQ(parse({"--tls", "--key", t.client_key}), EX_USAGE);
  EXPECT_EQ(parse({"--ca", t.ca}), EX_USAGE);  // would connect in the clear
  EXPECT_EQ(parse({"--server-name", "localhost"}), EX_USAGE);
  EXPECT_EQ(parse({"--tls", "--protocol", "legacy"}), EX_USAGE);
  EXPECT_EQ(parse({"--tls", "--ca", dir_ + "/missing.pem"}), EX_USAGE);
}

TEST_F(CliOptionsTest, ReconnectingIsOnByDefault) {
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_TRUE(got_.client.reconnect.enabled);
  EXPECT_EQ(got_.client.reconnect.max_delay, 5000ms);
  EXPECT_EQ(got_.client.reconnect.give_up_after, 120000ms);
  EXPECT_EQ(got_.client.mode, TurnOrder::automatic);
}

TEST_F(CliOptionsTest, ReconnectFlags) {
  EXPECT_EQ(parse({"--no-reconnect"}), std::nullopt);
  EXPECT_FALSE(got_.client.reconnect.enabled);
  EXPECT_EQ(parse({"--no-reconnect", "--reconnect"}), std::nullopt);
  EXPECT_TRUE(got_.client.reconnect.enabled) << "the last one wins";
  EXPECT_EQ(parse({"--reconnect-max-delay", "250ms", "--reconnect-timeout", "0"}), std::nullopt);
  EXPECT_EQ(got_.client.reconnect.max_delay, 250ms);
  EXPECT_EQ(got_.client.reconnect.give_up_after, 0ms) << "0 = never give up";
  EXPECT_EQ(parse({"--reconnect-max-delay", "1.5", "--reconnect-timeout", "30s"}), std::nullopt);
  EXPECT_EQ(got_.client.reconnect.max_delay, 1500ms);
  EXPECT_EQ(got_.client.reconnect.give_up_after, 30000ms);
}

TEST_F(CliOptionsTest, ReconnectFromTheEnvironment) {
  ::setenv("BATON_RECONNECT", "false", 1);
  ::setenv("BATON_RECONNECT_MAX_DELAY", "2s", 1);
  ::setenv("BATON_RECONNECT_TIMEOUT", "10m", 1);
  ::setenv("BATON_MODE", "lock", 1);
  EXPECT_EQ(parse({}), std::nullopt);
  EXPECT_FALSE(got_.client.reconnect.enabled);
  EXPECT_EQ(got_.client.reconnect.max_delay, 2000ms);
  EXPECT_EQ(got_.client.reconnect.give_up_after, 600000ms);
  EXPECT_EQ(got_.client.mode, TurnOrder::lock);
  EXPECT_EQ(parse({"--reconnect", "--mode", "rotation"}), std::nullopt);
  EXPECT_TRUE(got_.client.reconnect.enabled) << "flags win";
  EXPECT_EQ(got_.client.mode, TurnOrder::rotation);
}

TEST_F(CliOptionsTest, BadReconnectAndModeValuesAreUsage) {
  EXPECT_EQ(parse({"--reconnect-max-delay", "0"}), EX_USAGE);
  EXPECT_EQ(parse({"--reconnect-max-delay", "soon"}), EX_USAGE);
  EXPECT_EQ(parse({"--reconnect-timeout", "-1"}), EX_USAGE);
  EXPECT_EQ(parse({"--mode", "mutex"}), EX_USAGE);
  EXPECT_EQ(parse({"--mode", "lock", "--protocol", "legacy"}), EX_USAGE);
}

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CliProcess, TheTokenFileReachesHelloButNotArgv) {
  char templ[] = "/tmp/baton-cli-token-XXXXXX";
  const int fd = ::mkstemp(templ);
  ASSERT_GE(fd, 0);
  const std::string token = "tok-3f9a2c71d0e8";
  ASSERT_EQ(::write(fd, (token + "\n").data(), token.size() + 1), static_cast<ssize_t>(token.size() + 1));
  ::close(fd);
  std::promise<std::string> hello;
  std::promise<void> looked;
  FakeServer srv([&](Peer& p) {
    hello.set_value(p.handshake().value_or(""));
    looked.get_future().wait_for(5s);
    p.send("ERROR AUTH_FAILED unknown token\n");
    p.closed_within();
  });
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "t1", "--token-file", templ});
  auto said = hello.get_future();
  ASSERT_EQ(said.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(said.get(), "HELLO 2 member default t1 token=" + token);
  const std::string argv = cmdline_of(c.pid);
  EXPECT_TRUE(has(argv, "--token-file")) << "not baton-client's argv?";
  EXPECT_FALSE(has(argv, token));
  looked.set_value();
  const int rc = wait_exit(c.pid, 5s);
  const std::string err = read_all(c.err_fd);
  ::unlink(templ);
  EXPECT_EQ(rc, EX_SOFTWARE) << err;  // the server rejected us
  EXPECT_TRUE(has(err, "AUTH_FAILED")) << err;
  EXPECT_FALSE(has(err, token)) << err;
}

TEST(CliProcess, TakesATurnOverTlsWithItsCertificate) {
  std::string cn, sni;
  TlsFakeServer srv(
      [&](TlsPeer& p) {
        cn = p.client_cn();
        sni = p.sni();
        p.handshake();
        p.send("GRANT 1 0\n");
        EXPECT_EQ(p.expect("SEND "), "SEND 1 1");
        p.send("ACK 1\n");
        p.bye();
      },
      {.require_client_cert = true});
  const TlsFiles& t = tls_files();
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "t1", "--count", "1", "--interval", "0", "--tls",
                   "--ca", t.ca, "--cert", t.client_cert, "--key", t.client_key, "--server-name", "localhost"});
  const int rc = wait_exit(c.pid, 5s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_OK) << err;
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(cn, "alice");
  EXPECT_EQ(sni, "localhost");
}

TEST(CliProcess, AFailedVerificationIsUnavailable) {
  TlsFakeServer srv([](TlsPeer&) { ADD_FAILURE() << "handshake succeeded"; });
  Child c = spawn({BATON_CLIENT_BIN, "--port", std::to_string(srv.port()), "--name", "t1", "--tls", "--ca",
                   tls_files().other_ca});
  const int rc = wait_exit(c.pid, 5s);
  const std::string err = read_all(c.err_fd);
  EXPECT_EQ(rc, EX_UNAVAILABLE) << err;
  EXPECT_TRUE(has(err, "certificate verify failed")) << err;
}

}  // namespace
}  // namespace baton::test

// The Gate's verdicts on a handshake: who is let in, on what right, and the
// one clear code each refusal gets.
#include "server/gate.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/auth.hpp"
#include "server/slot.hpp"

namespace baton::server {
namespace {

namespace fs = std::filesystem;

struct GateTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("baton-gate-" + std::to_string(::getpid()));
  ServerConfig config;
  std::string alice = auth::new_token();
  std::string watch = auth::new_token();

  void SetUp() override {
    fs::create_directories(dir);
    std::ofstream(dir / "auth") << auth::hash_token(alice) << " member payroll,pay-* alice-key\n"
                                << auth::hash_token(watch) << " watcher payroll\n"
                                << "cert:bob member,watcher payroll\n";
    config.auth_file = (dir / "auth").string();
  }
  void TearDown() override { fs::remove_all(dir); }

  static PeerDetector::Hello hello(std::string ring, std::string name, std::string token, bool watcher = false) {
    PeerDetector::Hello h;
    h.watcher = watcher;
    h.ring = std::move(ring);
    h.name = std::move(name);
    h.token = std::move(token);
    return h;
  }
  static std::string code_of(const std::variant<Admitted, Refusal>& v) {
    return std::holds_alternative<Admitted>(v) ? "OK" : std::string(std::get<Refusal>(v).code);
  }
};

TEST_F(GateTest, TokensRingsAndRoles) {
  Gate gate(config);
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "a", alice), nullptr)), "OK");
  EXPECT_EQ(code_of(gate.check_hello(hello("pay-2", "a", alice), nullptr)), "OK") << "glob";
  EXPECT_EQ(code_of(gate.check_hello(hello("jobs", "a", alice), nullptr)), "FORBIDDEN") << "another ring";
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "a", alice, true), nullptr)), "FORBIDDEN") << "not a watcher";
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "w", watch, true), nullptr)), "OK");
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "w", watch), nullptr)), "FORBIDDEN") << "a watcher can't join";
  const auto none = gate.check_hello(hello("payroll", "a", ""), nullptr);
  EXPECT_EQ(code_of(none), "AUTH_FAILED");
  EXPECT_FALSE(std::get<Refusal>(none).failed_token) << "no token is no guess";
  const auto wrong = gate.check_hello(hello("payroll", "a", auth::new_token()), nullptr);
  EXPECT_EQ(code_of(wrong), "AUTH_FAILED");
  EXPECT_TRUE(std::get<Refusal>(wrong).failed_token);
  EXPECT_EQ(std::get<Refusal>(wrong).why, Closed::auth);
}

TEST_F(GateTest, ClientCertificatesBindTheNameAndMayGrantRoles) {
  Gate gate(config);
  const std::vector<std::string> bob{"bob", "bob.example"};
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "bob", ""), &bob)), "OK") << "cert: grant";
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "alice", alice), &bob)), "FORBIDDEN")
      << "a token does not lift the name binding";
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "bob.example", ""), &bob)), "AUTH_FAILED")
      << "a SAN binds the name, but only bob has a cert: grant";
  EXPECT_EQ(code_of(gate.check_hello(hello("jobs", "bob", ""), &bob)), "FORBIDDEN");
}

TEST_F(GateTest, OpenServerAndTheLegacyRing) {
  ServerConfig open;
  Gate gate(open);
  EXPECT_FALSE(gate.auth_on());
  EXPECT_EQ(code_of(gate.check_hello(hello("any", "a", ""), nullptr)), "OK");
  EXPECT_EQ(std::get<std::string>(gate.check_legacy()), "default");
  open.legacy_ring = "seed";
  EXPECT_EQ(std::get<std::string>(Gate(open).check_legacy()), "seed");
  Gate closed(config);
  EXPECT_EQ(std::get<Refusal>(closed.check_legacy()).code, "FORBIDDEN") << "none by default under auth";
  config.legacy_ring = "seed";
  EXPECT_EQ(std::get<std::string>(Gate(config).check_legacy()), "seed");
}

TEST_F(GateTest, ReloadKeepsTheOldTableWhenTheNewOneIsBroken) {
  Gate gate(config);
  std::ofstream(dir / "auth") << auth::hash_token(watch) << " watcher payroll\n";
  gate.reload();
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "a", alice), nullptr)), "AUTH_FAILED");
  std::ofstream(dir / "auth") << alice << " member payroll\n";  // a token pasted in clear: refused
  EXPECT_THROW(gate.reload(), std::runtime_error);
  EXPECT_EQ(code_of(gate.check_hello(hello("payroll", "w", watch, true), nullptr)), "OK");
}

TEST_F(GateTest, ConnectionsPerAddressAreReleasedThroughTheSlot) {
  config.max_conns_per_addr = 2;
  config.conn_rate_per_addr = 0;
  Gate gate(config);
  std::atomic<std::size_t> clients{0};
  const auto a = asio::ip::make_address("198.18.0.1");
  const auto now = Clock::now();
  std::vector<Slot> held;
  for (int i = 0; i < 2; ++i) {
    ASSERT_FALSE(gate.admit(a, now));
    held.emplace_back(clients);
    held.back().hold_address(gate, a);
  }
  const auto third = gate.admit(a, now);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->code, "QUOTA");
  EXPECT_NE(third->text.find("--max-conns-per-addr"), std::string::npos);
  EXPECT_FALSE(gate.admit(asio::ip::make_address("198.18.0.2"), now)) << "another address";
  gate.release(asio::ip::make_address("198.18.0.2"));
  held.pop_back();
  EXPECT_FALSE(gate.admit(a, now)) << "a closed connection frees its unit";
  gate.release(a);
  EXPECT_EQ(clients.load(), 1u);
}

}  // namespace
}  // namespace baton::server

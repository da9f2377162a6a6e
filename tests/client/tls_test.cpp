// The client library's TLS handshake: what it verifies (chain, name, our own
// certificate), what it sends (SNI, the token in HELLO), and its deadline.
#include <gtest/gtest.h>

#include <future>

#include "error_of.hpp"
#include "fake_server.hpp"
#include "tls_fake_server.hpp"
#include "tls_files.hpp"

namespace baton::test {
namespace {

using clock_type = std::chrono::steady_clock;

// Nothing listens here; the calls below fail before they would connect.
constexpr std::uint16_t kUnusedPort = 9;

void play_one_turn(TlsPeer& p) {
  p.send("QUEUE 1\nGRANT 1 0\n");
  EXPECT_EQ(p.expect("SEND "), "SEND 1 hello");
  p.send("ACK 1\n");
  p.bye();
}

void take_one_turn(Client& c) {
  EXPECT_EQ(c.await_grant().turn, 1u);
  EXPECT_EQ(c.send("hello"), 1u);
  c.close();
}

TEST(Tls, WithTheRightCaPlaysATurnAndSendsTheToken) {
  std::promise<std::string> hello;
  bool close_notify = false;
  TlsFakeServer srv([&](TlsPeer& p) {
    hello.set_value(p.handshake().value_or(""));
    play_one_turn(p);
    close_notify = p.close_notify_within();
  });
  auto o = srv.client("a");
  o.token = "tok";
  Client c(o);
  ASSERT_NO_THROW(c.connect());
  EXPECT_EQ(c.protocol(), Protocol::v1);
  take_one_turn(c);
  EXPECT_EQ(hello.get_future().get(), "HELLO 2 member default a token=tok");
  ASSERT_TRUE(srv.script_done());
  EXPECT_TRUE(close_notify) << "the client closed TCP without close_notify";
}

TEST(Tls, AnAddressIsCheckedAgainstTheIpEntriesAndNotSentAsSni) {
  std::string sni = "unset";
  TlsFakeServer srv([&](TlsPeer& p) {
    sni = p.sni();
    p.handshake();
    p.bye();
  });
  Client c(srv.client("a"));  // host 127.0.0.1
  ASSERT_NO_THROW(c.connect());
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(sni, "");
}

TEST(Tls, TheServerNameIsCheckedAndSentAsSni) {
  std::string sni;
  TlsFakeServer srv([&](TlsPeer& p) {
    sni = p.sni();
    p.handshake();
    p.bye();
  });
  auto o = srv.client("a");
  o.tls_server_name = "localhost";
  Client c(o);
  ASSERT_NO_THROW(c.connect());
  c.close();
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(sni, "localhost");
}

TEST(Tls, AnotherCaFailsVerification) {
  TlsFakeServer srv([](TlsPeer&) { ADD_FAILURE() << "handshake succeeded"; });
  auto o = srv.client("a");
  o.tls_ca = tls_files().other_ca;
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_TRUE(has(what, "certificate verify failed: unable to get local issuer certificate")) << what;
  ASSERT_TRUE(srv.script_done());
  EXPECT_NE(srv.handshake_error(), "");  // the client told the server why (an alert)
}

TEST(Tls, WithoutACaTheSystemStoreIsUsedAndDoesNotKnowOurs) {
  TlsFakeServer srv([](TlsPeer&) { ADD_FAILURE() << "handshake succeeded"; });
  auto o = srv.client("a");
  o.tls_ca.clear();
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_TRUE(has(what, "certificate verify failed")) << what;
}

TEST(Tls, AWrongServerNameFails) {
  TlsFakeServer srv([](TlsPeer&) { ADD_FAILURE() << "handshake succeeded"; });
  auto o = srv.client("a");
  o.tls_server_name = "wrong.example";
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_TRUE(has(what, "hostname mismatch")) << what;
  EXPECT_TRUE(has(what, "wrong.example")) << what;
}

TEST(Tls, TheClientCertificateIsPresented) {
  std::string cn;
  TlsFakeServer srv(
      [&](TlsPeer& p) {
        cn = p.client_cn();
        p.handshake();
        play_one_turn(p);
      },
      {.require_client_cert = true});
  auto o = srv.client("a");
  o.tls_cert = tls_files().client_cert;
  o.tls_key = tls_files().client_key;
  Client c(o);
  ASSERT_NO_THROW(c.connect());
  take_one_turn(c);
  ASSERT_TRUE(srv.script_done());
  EXPECT_EQ(cn, "alice");
}

// TLS 1.3 finishes the client's handshake before the server checks the
// client's certificate: its refusal arrives as the first read. Either way the
// caller sees a failed handshake.
class WithoutTheRequiredClientCertificate : public ::testing::TestWithParam<int> {};

TEST_P(WithoutTheRequiredClientCertificate, TheHandshakeFails) {
  TlsFakeServer srv([](TlsPeer&) { ADD_FAILURE() << "handshake succeeded"; },
                    {.require_client_cert = true, .max_version = GetParam()});
  Client c(srv.client("a"));
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_TRUE(has(what, "TLS handshake with 127.0.0.1:")) << what;
}

INSTANTIATE_TEST_SUITE_P(Versions, WithoutTheRequiredClientCertificate,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(i.param == TLS1_2_VERSION ? "Tls12" : "Tls13");
                         });

TEST(Tls, AKeyThatDoesNotMatchTheCertificateIsAUsageError) {
  ClientOptions o;
  o.port = kUnusedPort;
  o.tls = true;
  o.tls_ca = tls_files().ca;
  o.tls_cert = tls_files().client_cert;
  o.tls_key = tls_files().server_key;
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::usage);
  EXPECT_TRUE(has(what, "does not match")) << what;
}

TEST(Tls, AMissingCaFileIsAUsageError) {
  ClientOptions o;
  o.port = kUnusedPort;
  o.tls = true;
  o.tls_ca = tls_files().dir + "/no-such-ca.pem";
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::usage);
  EXPECT_TRUE(has(what, "No such file or directory")) << what;
}

TEST(Tls, TheLegacyProtocolIsAUsageError) {
  ClientOptions o;
  o.port = kUnusedPort;
  o.tls = true;
  o.protocol = Protocol::legacy;
  Client c(o);
  error_of([&] { c.connect(); }, Error::Kind::usage);
}

TEST(Tls, AServerThatNeverAnswersTheHandshakeTimesOut) {
  FakeServer srv([](Peer& p) { p.closed_within(5s); });  // takes the ClientHello, says nothing
  auto o = srv.client("a");
  o.tls = true;
  o.tls_ca = tls_files().ca;
  o.connect_timeout = 300ms;
  Client c(o);
  const auto start = clock_type::now();
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_LT(clock_type::now() - start, 1s);
  EXPECT_TRUE(has(what, "no answer within 300 ms")) << what;
}

TEST(Tls, APlainServerIsUnavailable) {
  FakeServer srv([](Peer& p) {
    p.send("BATON 1\n");
    p.closed_within(5s);
  });
  auto o = srv.client("a");
  o.tls = true;
  o.tls_ca = tls_files().ca;
  Client c(o);
  const auto what = error_of([&] { c.connect(); }, Error::Kind::unavailable);
  EXPECT_TRUE(has(what, "TLS handshake")) << what;
}

}  // namespace
}  // namespace baton::test

#include "server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace baton::server {
namespace {

void load(const char* what, const std::string& path, const std::function<void()>& f) {
  // Asio has taken OpenSSL's error off its queue into the exception; a file
  // that can't be opened is said plainly rather than as "BIO routines".
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    std::fclose(file);
  } else {
    throw TlsFilesError(std::string(what) + " " + path + ": " + std::strerror(errno));
  }
  try {
    f();
  } catch (const boost::system::system_error& e) {
    throw TlsFilesError(std::string(what) + " " + path + ": " + e.code().message());
  }
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // TLS 1.0/1.1 are broken and deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
  // No session tickets: a TLS 1.3 server would write them after the
  // handshake, and the connection must have nothing in flight when it moves
  // to the shard of its ring (Listener::hand_off). Clients reconnect rarely.
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  // A TLS 1.2 renegotiation is a new handshake's CPU on demand, on a ring's
  // shard: refused.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  load("--tls-cert", files.cert, [&] { ctx->use_certificate_chain_file(files.cert); });
  load("--tls-key", files.key, [&] { ctx->use_private_key_file(files.key, ssl::context::pem); });
  if (SSL_CTX_check_private_key(native) != 1)
    throw TlsFilesError("--tls-key " + files.key + " does not match --tls-cert " + files.cert);
  if (!files.client_ca.empty()) {
    load("--tls-client-ca", files.client_ca, [&] { ctx->load_verify_file(files.client_ca); });
    // Tell clients which CA we accept, so one with several certificates picks right.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (names) SSL_CTX_set_client_CA_list(native, names);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

std::vector<std::string> peer_names(SSL* ssl) {
  std::vector<std::string> names;
  if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK) return names;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return names;
  char cn[256];
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  if (n > 0) names.emplace_back(cn, static_cast<std::size_t>(n));
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS) continue;
      const auto* s = reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName));
      names.emplace_back(s, static_cast<std::size_t>(ASN1_STRING_length(g->d.dNSName)));
    }
    GENERAL_NAMES_free(sans);
  }
  return names;
}

void SslFree::operator()(SSL* s) const noexcept { SSL_free(s); }

}  // namespace baton::server

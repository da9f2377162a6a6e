// A throwaway PKI for the TLS tests, made with the openssl command at first
// use in a fresh temporary directory, deleted when the test process exits.
// Nothing secret is checked in. EC P-256 keys: each file takes milliseconds.
#pragma once

#include <string>

namespace baton::test {

struct TlsFiles {
  std::string dir;
  std::string ca;                       // the CA that signs all three below
  std::string server_cert, server_key;  // CN and SAN localhost, SAN IP 127.0.0.1
  std::string client_cert, client_key;  // CN alice
  std::string other_ca;                 // an unrelated CA: verifies nothing here
};

// Throws std::runtime_error if openssl fails.
const TlsFiles& tls_files();

}  // namespace baton::test

#include "tls_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace baton::bench {
namespace {

void run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

}  // namespace

TlsFiles::TlsFiles() {
  char tmpl[] = "/tmp/baton-bench-tls-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // P-256 keys: the curve clients and servers negotiate by default, so the
  // handshake costs what it would in production.
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  run("openssl req -x509" + ec + " -days 2 -subj /CN=baton-bench-CA -keyout " + dir_ + "/ca.key -out " + ca());
  run("openssl req" + ec + " -subj /CN=localhost -keyout " + key() + " -out " + dir_ + "/server.csr");
  run("printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > " + dir_ + "/ext.cnf");
  run("openssl x509 -req -days 2 -in " + dir_ + "/server.csr -CA " + ca() + " -CAkey " + dir_ +
      "/ca.key -CAcreateserial -extfile " + dir_ + "/ext.cnf -out " + cert());
}

TlsFiles::~TlsFiles() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace baton::bench

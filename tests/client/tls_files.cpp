#include "tls_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace baton::test {

namespace {

// A day is plenty for a test run and keeps a leaked file useless soon after.
constexpr int kValidDays = 1;

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("openssl failed: " + command);
}

// One self-signed CA, or (with ca set) one leaf certificate signed by it.
void make(const std::string& dir, const std::string& name, const std::string& subject, const std::string& extensions,
          const std::string& ca = "") {
  // Our own minimal config: the system's openssl.cnf would add its own extensions.
  std::string cmd = "openssl req -x509 -config '" + dir + "/req.cnf' -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
                    " -nodes -days " + std::to_string(kValidDays) + " -subj '" + subject + "' -keyout '" + dir + "/" +
                    name + ".key' -out '" + dir + "/" + name + ".pem' " + extensions;
  if (!ca.empty()) cmd += " -CA '" + dir + "/" + ca + ".pem' -CAkey '" + dir + "/" + ca + ".key'";
  run(cmd);
}

void fill(TlsFiles& f);

TlsFiles generate() {
  char templ[] = "/tmp/baton-tls-test-XXXXXX";
  if (::mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
  TlsFiles f;
  f.dir = templ;
  try {
    fill(f);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(f.dir, ignored);
    throw;
  }
  return f;
}

void fill(TlsFiles& f) {
  run("printf '[req]\\ndistinguished_name = dn\\n[dn]\\n' > '" + f.dir + "/req.cnf'");
  const std::string ca_ext = "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign";
  const std::string leaf = "-addext basicConstraints=critical,CA:FALSE";
  make(f.dir, "ca", "/CN=baton test CA", ca_ext);
  make(f.dir, "other_ca", "/CN=another test CA", ca_ext);
  make(f.dir, "server", "/CN=localhost",
       leaf + " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext extendedKeyUsage=serverAuth", "ca");
  make(f.dir, "client", "/CN=alice", leaf + " -addext extendedKeyUsage=clientAuth", "ca");
  f.ca = f.dir + "/ca.pem";
  f.other_ca = f.dir + "/other_ca.pem";
  f.server_cert = f.dir + "/server.pem";
  f.server_key = f.dir + "/server.key";
  f.client_cert = f.dir + "/client.pem";
  f.client_key = f.dir + "/client.key";
}

struct Remove {
  void operator()(TlsFiles* f) const {
    std::error_code ignored;
    std::filesystem::remove_all(f->dir, ignored);
    delete f;
  }
};

}  // namespace

const TlsFiles& tls_files() {
  static const std::unique_ptr<TlsFiles, Remove> files(new TlsFiles(generate()));
  return *files;
}

}  // namespace baton::test

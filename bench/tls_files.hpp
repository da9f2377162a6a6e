// A throwaway CA and server certificate for the TLS case, made with the
// openssl command in a temporary directory and removed afterwards: the bench
// checks nothing secret in and needs no fixture.
#pragma once

#include <string>

namespace baton::bench {

class TlsFiles {
 public:
  TlsFiles();  // throws std::runtime_error when openssl fails
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;
  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string cert() const { return dir_ + "/server.pem"; }
  std::string key() const { return dir_ + "/server.key"; }

 private:
  std::string dir_;
};

}  // namespace baton::bench

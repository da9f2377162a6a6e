// Built against an installed baton (find_package(baton)): proves the package
// config, the header and the library are usable from another project.
#include <baton/client.hpp>

#include <iostream>

int main() {
  baton::ClientOptions o;
  o.port = 1;  // nothing listens there
  o.name = "consumer";
  o.connect_timeout = std::chrono::milliseconds(500);
  baton::Client c(o);
  try {
    c.connect();
  } catch (const baton::Error& e) {
    if (e.kind() == baton::Error::Kind::unavailable) {
      std::cout << "installed baton::client works: " << e.what() << "\n";
      return 0;
    }
  }
  return 1;
}

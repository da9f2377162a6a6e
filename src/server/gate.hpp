// Who may connect and do what: the server's end of the security model
// (docs/ARCHITECTURE.md). Holds the --auth-file table, the per-address
// bookkeeping (connections, connection rate, failed tokens) and the legacy
// ring, and turns a handshake's outcome into a verdict. The rules themselves
// are pure (core/auth.hpp, core/peer_guard.hpp); this class adds the lock
// and the reload.
// Thread: admit(), check_*(), failure_delay(), note_failure() and reload()
// on shard 0 (the listener's thread); table() from there too (shards get
// their copy through Shard::set_auth). release() on any thread, through Slot:
// it and admit() share one mutex, held for a map update, never for I/O and
// never on the turn path.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth.hpp"
#include "core/close_reason.hpp"
#include "core/peer_detector.hpp"
#include "core/peer_guard.hpp"
#include "server/asio.hpp"
#include "server/config.hpp"

namespace baton::server {

// A handshake refused: ERROR <code> <text>, counted under why.
struct Refusal {
  std::string_view code;
  std::string text;
  Closed why = Closed::refused;
  bool failed_token = false;  // slows this address's next attempts down
};

// A v1 HELLO let in, and on what right (kept by the session, so that a
// reload can check it again).
struct Admitted {
  std::optional<auth::Credential> credential;  // none: the server is open (no --auth-file)
};

class Gate {
 public:
  // Loads --auth-file (throws std::runtime_error naming file and line).
  explicit Gate(const ServerConfig& config);

  // A new connection from address: nullopt if let in (counted; hold it in
  // the connection's Slot), else why not.
  std::optional<Refusal> admit(const asio::ip::address& address, Clock::time_point now);
  void release(const asio::ip::address& address) noexcept;

  // A HELLO: may it join its ring as it asked? cert_names: the names of a
  // verified client certificate (mutual TLS), or null.
  std::variant<Admitted, Refusal> check_hello(const PeerDetector::Hello& h,
                                              const std::vector<std::string>* cert_names) const;
  // The seed's client: the ring it joins, or why it can't.
  std::variant<std::string, Refusal> check_legacy() const;

  // How long to hold back the verdict on a token from address.
  std::chrono::milliseconds failure_delay(const asio::ip::address& address, Clock::time_point now);
  void note_failure(const asio::ip::address& address, Clock::time_point now);

  bool auth_on() const noexcept { return table_ != nullptr; }
  std::shared_ptr<const auth::AuthTable> table() const { return table_; }
  // Re-reads --auth-file. On error the old table stays and this throws.
  std::shared_ptr<const auth::AuthTable> reload();

 private:
  const ServerConfig& config_;
  std::shared_ptr<const auth::AuthTable> table_;
  std::mutex mutex_;
  PeerGuard guard_;  // under mutex_
};

}  // namespace baton::server

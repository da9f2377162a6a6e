#include "turns.hpp"

#include <sysexits.h>

#include <iostream>
#include <string>

namespace baton::cli {

int take_turns(Client& client, const CliOptions& o) {
  // pause() rather than sleep: a sleeping client writes nothing, and with a long
  // --interval the server would drop it as idle.
  const auto interval = std::chrono::ceil<std::chrono::milliseconds>(o.interval);
  const bool lock = o.client.mode == TurnOrder::lock;
  std::int64_t n = o.start;
  // The number moves on only once send() returned, so each is printed (and
  // committed) once and none is skipped, whatever happens to the connection.
  for (std::uint64_t taken = 0; o.count == 0 || taken < o.count;) {
    if (lock) client.acquire();
    else client.await_grant();
    try {
      client.send(std::to_string(n));  // in a lock ring the send also releases the lock
    } catch (const Error& e) {
      // revoked: we were away too long (stopped?), or the turn went with the
      // connection; nothing was committed, so the same number goes next turn.
      if (e.kind() == Error::Kind::in_doubt)
        std::cerr << "baton-client: " << e.what() << "; sending " << n << " again" << std::endl;
      else if (e.kind() != Error::Kind::revoked)
        throw;
      continue;
    }
    ++taken;
    if (!o.quiet) std::cout << o.client.name << " sent: " << n << std::endl;
    n += o.step;
    if (interval.count() > 0) client.pause(interval);
  }
  client.close();
  return EX_OK;
}

int watch(Client& client) {
  while (auto e = client.next_event()) {
    if (e->passed) std::cout << e->name << " passed (turn " << e->turn << ")" << std::endl;
    else std::cout << e->name << " sent: " << e->payload << " (turn " << e->turn << ")" << std::endl;
  }
  return EX_OK;
}

void log_reconnects(CliOptions& o) {
  const std::string where = o.client.host + ":" + std::to_string(o.client.port);
  const bool watcher = o.client.role == Role::watcher;
  o.client.on_disconnect = [](const Error& why) {
    std::cerr << "baton-client: " << why.what() << "; trying again" << std::endl;
  };
  o.client.on_reconnect = [where, watcher, ring = o.client.ring](bool resumed) {
    std::cerr << "baton-client: reconnected to " << where << ": ";
    if (watcher) std::cerr << (resumed ? "replaying what was missed" : "sends made meanwhile are not shown");
    else std::cerr << (resumed ? "resumed the seat" : "rejoined ring " + ring + " at the back of the queue");
    std::cerr << std::endl;
  };
  o.client.on_gap = [](std::uint64_t after, std::uint64_t next) {
    std::cerr << "baton-client: the server no longer holds the sends after turn " << after << " and before turn "
              << next << ": not shown" << std::endl;
  };
}

}  // namespace baton::cli

// The one accept loop of the server, shared by the client port and the admin
// port (both on shard 0).
// Thread: the coroutine runs on the acceptor's executor.
#pragma once

#include <functional>
#include <string>

#include "server/asio.hpp"

namespace baton::server {

// After an accept error other than running out of descriptors: wait this
// long before the next attempt, so a persistent error can't spin a core.
inline constexpr auto kAcceptRetry = std::chrono::milliseconds(50);
// Accept failures are logged at most once per this period (with a count).
inline constexpr auto kAcceptLogEvery = std::chrono::seconds(1);

// Accepts until the acceptor is closed, handing each connection to
// on_socket. Out of descriptors (EMFILE/ENFILE), a spare descriptor kept for
// the purpose is freed so the waiting connection can be accepted and told why
// by on_exhausted (given the raw fd; it must not block and must close it),
// instead of waiting in the backlog with no answer. Sockets are accepted
// into a socket we own: Asio 1.81 frees a pending "move" accept wrongly when
// the io_context is destroyed.
asio::awaitable<void> accept_each(tcp::acceptor& acceptor, std::string what,
                                  std::function<void(tcp::socket)> on_socket,
                                  std::function<void(int fd)> on_exhausted);

}  // namespace baton::server

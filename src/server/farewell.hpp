// How a connection is told why and let go: the one way to refuse a peer
// before it has a session (a session's own funnel is Session::fail, which
// shares kLinger).
// Thread: the coroutine runs on the executor of the link it is given.
#pragma once

#include <chrono>
#include <string_view>

#include "server/asio.hpp"
#include "server/link.hpp"

namespace baton::server {

// After ERROR, the peer's time to read it and close. We half-close (FIN) and
// discard its input meanwhile: closing with unread input would send a reset
// that can destroy the ERROR line before the peer reads it.
inline constexpr auto kLinger = std::chrono::seconds(2);

// ERROR <code> <text>, FIN, discard input until EOF or kLinger, close.
// Over TLS the same, inside the TLS stream.
asio::awaitable<void> refuse(Link link, std::string_view code, std::string text);
// Best effort and never waits (the accept loop's SERVER_FULL, Redis's
// maxclients path): one non-blocking write, then close.
void refuse_now(int fd, std::string_view line);

}  // namespace baton::server

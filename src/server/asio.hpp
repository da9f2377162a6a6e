// The one place the server names its networking library (Boost.Asio 1.81,
// C++20 coroutines). Everything below src/server uses these aliases.
#pragma once

#include <boost/asio.hpp>

namespace baton::server {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Completion for co_spawn: a coroutine that throws is a bug; it is logged,
// never rethrown into (and fatal to) the event loop. (A session's read loop
// has its own completion that also drops the connection: Session::start.)
void log_coroutine_exception(std::exception_ptr e) noexcept;
inline constexpr auto detached_logged = [](std::exception_ptr e) { if (e) log_coroutine_exception(e); };
}  // namespace baton::server

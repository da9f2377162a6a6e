// Runs a function on another shard's thread and resumes the calling
// coroutine on its own executor with the result: how the admin port (shard 0)
// reads ring state that only its shard's thread may touch. Nothing is locked;
// the request and the answer are each one post.
// Thread: co_await from a coroutine on any executor; f runs on the shard's thread.
#pragma once

#include <utility>

#include "server/asio.hpp"

namespace baton::server {

namespace detail {
// A named initiation, not a lambda in a coroutine: g++ 12 frees a lambda
// temporary's captured strings from the wrong place when it sits in a
// co_await expression (seen under ASan).
template <class R, class F>
struct RunOn {
  asio::io_context* target;
  F f;
  template <class Handler>
  void operator()(Handler handler) {
    auto home = asio::get_associated_executor(handler);
    asio::post(*target, [f = std::move(f), handler = std::move(handler), home]() mutable {
      R result = f();
      asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  }
};
}  // namespace detail

template <class R, class F>
asio::awaitable<R> on_thread(asio::io_context& target, F f) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(detail::RunOn<R, F>{&target, std::move(f)},
                                                                      asio::use_awaitable);
}

}  // namespace baton::server

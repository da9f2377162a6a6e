#include "client/reconnect.hpp"

#include <algorithm>
#include <string_view>

#include "core/v1_codec.hpp"

namespace baton::detail {

bool retryable(const Error& e) noexcept {
  switch (e.kind()) {
    case Error::Kind::unavailable:  // refused, unreachable, timed out, the handshake cut short
    case Error::Kind::closed:       // lost, reset, presumed dead, SHUTDOWN
      return true;
    case Error::Kind::rejected: {
      const std::string_view c = e.code();
      // The old seat may still hold our name for a moment (NAME_TAKEN); the
      // server is full or an address's share is used up for now; we were
      // stopped or slow (IDLE_TIMEOUT, HELLO_TIMEOUT). Every other code is a
      // verdict on us that a new connection would hear again.
      return c == v1::code::idle_timeout || c == v1::code::server_full || c == v1::code::quota ||
             c == v1::code::name_taken || c == v1::code::hello_timeout;
    }
    default:
      return false;
  }
}

Backoff::Backoff(const ReconnectPolicy& policy, std::uint64_t seed)
    : initial_(std::max(policy.initial_delay, milliseconds(1))),
      cap_(std::max(policy.max_delay, milliseconds(0))),
      rng_(seed) {}

Backoff::milliseconds Backoff::next() {
  // Doubling stops at the cap, so the window never overflows however long
  // the outage.
  milliseconds window = initial_;
  for (int i = 0; i < waits_ && window < cap_; ++i) window *= 2;
  window = std::min(window, cap_);
  ++waits_;
  std::uniform_int_distribution<milliseconds::rep> pick(0, window.count());
  return milliseconds(pick(rng_));
}

std::chrono::milliseconds Outage::left(clock_type::time_point now, std::chrono::milliseconds cap) const {
  if (limit_.count() <= 0) return cap;
  const auto rest = std::chrono::ceil<std::chrono::milliseconds>(start_ + limit_ - now);
  return std::clamp(rest, std::chrono::milliseconds(0), cap);
}

}  // namespace baton::detail

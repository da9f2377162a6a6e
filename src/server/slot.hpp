// One unit of --max-clients, held by a connection from accept to close and
// moved along when the connection changes hands (handshake -> session).
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace baton::server {

class Slot {
 public:
  Slot() = default;
  explicit Slot(std::atomic<std::size_t>& count) : count_(&count) { count.fetch_add(1, std::memory_order_relaxed); }
  Slot(Slot&& o) noexcept : count_(std::exchange(o.count_, nullptr)) {}
  Slot& operator=(Slot&& o) noexcept {
    if (this != &o) { release(); count_ = std::exchange(o.count_, nullptr); }
    return *this;
  }
  ~Slot() { release(); }

 private:
  void release() {
    if (count_) count_->fetch_sub(1, std::memory_order_relaxed);
    count_ = nullptr;
  }
  std::atomic<std::size_t>* count_ = nullptr;
};

}  // namespace baton::server

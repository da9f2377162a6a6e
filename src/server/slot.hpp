// What a connection holds from its admission until it closes: one unit of
// --max-clients, one of --max-tls-clients on the TLS port, and, when the Gate
// counted it, one of its address's --max-conns-per-addr. Moved along when the connection changes hands
// (handshake -> session, possibly to another shard's thread).
// Thread: any; releasing touches only an atomic and the Gate's own lock,
// on connection close (never on the turn path).
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

#include "server/asio.hpp"

namespace baton::server {

class Gate;

class Slot {
 public:
  Slot() = default;
  explicit Slot(std::atomic<std::size_t>& count) : count_(&count) { count.fetch_add(1, std::memory_order_relaxed); }
  Slot(Slot&& o) noexcept
      : count_(std::exchange(o.count_, nullptr)), tls_count_(std::exchange(o.tls_count_, nullptr)),
        gate_(std::exchange(o.gate_, nullptr)), address_(o.address_) {}
  Slot& operator=(Slot&& o) noexcept {
    if (this != &o) {
      release();
      count_ = std::exchange(o.count_, nullptr);
      tls_count_ = std::exchange(o.tls_count_, nullptr);
      gate_ = std::exchange(o.gate_, nullptr);
      address_ = o.address_;
    }
    return *this;
  }
  ~Slot() { release(); }
  // The Gate counted this connection against address (Gate::admit).
  void hold_address(Gate& gate, const asio::ip::address& address) {
    gate_ = &gate;
    address_ = address;
  }
  // Also one unit of --max-tls-clients (a TLS connection costs ~60 KB).
  void hold_tls(std::atomic<std::size_t>& count) {
    tls_count_ = &count;
    count.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  void release() noexcept;
  std::atomic<std::size_t>* count_ = nullptr;
  std::atomic<std::size_t>* tls_count_ = nullptr;
  Gate* gate_ = nullptr;
  asio::ip::address address_;
};

}  // namespace baton::server

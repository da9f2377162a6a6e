// Per-source-address bookkeeping: how many connections an address holds, how
// fast it opens new ones, and how often it failed to authenticate, so that the
// server can refuse (QUOTA) or slow down one address without touching others.
//
// Addresses are aggregated into keys: an IPv4 address is its own key (an
// IPv4-mapped IPv6 address counts as that IPv4 address); an IPv6 address
// counts as its /64, because one host is routinely handed a whole /64 (SLAAC,
// privacy addresses) and could otherwise cycle through 2^64 "addresses".
//
// Memory stays bounded whatever the peers do: at most max_tracked_addrs keys.
// A new key when the table is full evicts the key with no open connection
// that was used least recently (its failures and rate are forgotten). If every
// tracked key has open connections, the new address is admitted untracked: no
// per-address bound applies to it, and its connections are not counted. That
// cannot happen when max_tracked_addrs >= --max-clients (each tracked key with
// an open connection holds at least one of them), which the server should
// ensure; --max-clients still bounds the total either way.
//
// Failures (wrong token, forbidden ring) make failure_delay() grow by
// fail_delay_step each, up to fail_delay_max, until fail_forget passes without
// one. There is deliberately no "success" call that clears them: a guesser
// holding one valid token could interleave it between guesses to keep its
// delay at zero. An honest client that mistyped waits out fail_forget.
//
// Pure: no sockets, no clocks (time is passed in), no randomness (the hash
// seed is passed in).
// Thread: one thread at a time; Server wraps it in a mutex — connection close
// happens on any shard, never on the turn path.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <string>
#include <unordered_map>

namespace baton {

class PeerGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // An address as counted: IPv4 (4 bytes), or an IPv6 /64 (8 bytes).
  struct Key {
    std::array<unsigned char, 8> prefix{};  // IPv4: 4 bytes, then zeros
    bool v6 = false;
    friend bool operator==(const Key&, const Key&) = default;
  };
  // bytes: an address in network order, 4 (IPv4) or 16 (IPv6) bytes; any
  // other size throws std::invalid_argument.
  static Key key_of(std::span<const unsigned char> bytes);
  // "192.0.2.7" or "2001:db8:0:1::/64", for logs.
  static std::string describe(const Key& key);

  struct Limits {
    std::size_t max_conns_per_addr = 0;  // open connections per key; 0 = unlimited
    // New connections per key: a token bucket refilled at this rate, holding
    // conn_burst (at least 1). 0 = unlimited.
    double conn_rate_per_sec = 0;
    std::size_t conn_burst = 10;
    std::chrono::milliseconds fail_delay_step{200};   // added by each failure
    std::chrono::milliseconds fail_delay_max{5000};
    std::chrono::milliseconds fail_forget{60000};     // quiet time that clears failures
    std::size_t max_tracked_addrs = 65536;            // keys in memory, at least 1
  };

  enum class Admit { ok, too_many_conns, too_fast };

  // Throws std::invalid_argument for a rate that is negative, not finite or
  // under one per hour (but not 0), a burst over 1,000,000, a negative
  // duration, or max_tracked_addrs 0. hash_seed: a random number, so that no peer can
  // choose addresses that collide in the table.
  explicit PeerGuard(const Limits& limits, std::uint64_t hash_seed = 0);
  // A copy's entries would point into the original's idle list.
  PeerGuard(const PeerGuard&) = delete;
  PeerGuard& operator=(const PeerGuard&) = delete;
  PeerGuard(PeerGuard&&) = default;
  PeerGuard& operator=(PeerGuard&&) = default;

  // A new connection from key. ok: it is counted (release() it when it
  // closes) and took a rate token; otherwise nothing is counted.
  Admit admit(const Key& key, Clock::time_point now);
  // A connection admitted with ok has closed.
  void release(const Key& key);

  // How long to hold back this key's next refusal (failures x step, capped);
  // zero when it has none, or none within fail_forget.
  std::chrono::milliseconds failure_delay(const Key& key, Clock::time_point now) const;
  void note_failure(const Key& key, Clock::time_point now);

  std::size_t tracked() const noexcept { return entries_.size(); }
  std::size_t connections(const Key& key) const;  // open, as counted
  const Limits& limits() const noexcept { return limits_; }

 private:
  struct Hash {
    std::uint64_t seed;
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Entry {
    std::size_t live = 0;  // open connections
    std::uint32_t failures = 0;
    Clock::time_point last_failure{};
    // Token bucket as a "theoretical arrival time": the bucket is full once
    // now reaches it, and each connection pushes it one interval later.
    Clock::time_point bucket_full_at{};
    std::list<Key>::iterator idle_pos{};  // in idle_ while live == 0
  };
  using Map = std::unordered_map<Key, Entry, Hash>;

  Entry* track(const Key& key, Clock::time_point now);
  bool forgotten(const Entry& e, Clock::time_point now) const;
  void make_idle(const Key& key, Entry& e);
  void touch_idle(Entry& e);

  Limits limits_;
  Clock::duration rate_interval_{};  // between two tokens; 0 = unlimited
  Clock::duration burst_span_{};     // how far ahead bucket_full_at may run
  Map entries_;
  // Keys with no open connection, least recently used first: the ones that
  // may be evicted.
  std::list<Key> idle_;
};

}  // namespace baton

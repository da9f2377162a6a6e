#include "core/peer_guard.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace baton {
namespace {

constexpr std::size_t kV4Bytes = 4;
constexpr std::size_t kV6Bytes = 16;
constexpr std::size_t kV6PrefixBytes = 8;  // the /64
// ::ffff:0:0/96, the IPv4-mapped IPv6 addresses of a dual-stack socket.
constexpr std::array<unsigned char, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
// Slower than this the bucket interval could overflow a duration; no one needs it.
constexpr double kMinConnRatePerSec = 1.0 / 3600;
constexpr std::size_t kMaxConnBurst = 1'000'000;
// Idle keys that remember nothing, dropped per new key: enough to keep up,
// since each new key adds one.
constexpr int kPrunePerNewKey = 2;

}  // namespace

PeerGuard::Key PeerGuard::key_of(std::span<const unsigned char> bytes) {
  Key key;
  if (bytes.size() == kV4Bytes) {
    std::copy(bytes.begin(), bytes.end(), key.prefix.begin());
  } else if (bytes.size() == kV6Bytes && std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin())) {
    std::copy(bytes.begin() + kV4MappedPrefix.size(), bytes.end(), key.prefix.begin());
  } else if (bytes.size() == kV6Bytes) {
    std::copy(bytes.begin(), bytes.begin() + kV6PrefixBytes, key.prefix.begin());
    key.v6 = true;
  } else {
    throw std::invalid_argument("PeerGuard::key_of: an address is 4 or 16 bytes");
  }
  return key;
}

std::string PeerGuard::describe(const Key& key) {
  std::string out;
  std::array<char, 8> digits{};
  const auto put = [&](unsigned value, int base) {
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value, base).ptr;
    out.append(digits.data(), end);
  };
  if (!key.v6) {
    for (std::size_t i = 0; i < kV4Bytes; ++i) {
      if (i) out += '.';
      put(key.prefix[i], 10);
    }
    return out;
  }
  for (std::size_t i = 0; i < kV6PrefixBytes; i += 2) {
    put(unsigned{key.prefix[i]} << 8 | key.prefix[i + 1], 16);
    out += ':';
  }
  return out + ":/64";
}

std::size_t PeerGuard::Hash::operator()(const Key& k) const noexcept {
  std::uint64_t x = 0;
  for (const unsigned char b : k.prefix) x = x << 8 | b;
  // splitmix64's finalizer over the seeded value: a peer who does not know
  // the seed cannot pick addresses that share a bucket.
  x ^= seed + (k.v6 ? 0x9e3779b97f4a7c15ULL : 0);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::size_t>(x ^ (x >> 31));
}

PeerGuard::PeerGuard(const Limits& limits, std::uint64_t hash_seed)
    : limits_(limits), entries_(0, Hash{hash_seed}) {
  const double rate = limits.conn_rate_per_sec;
  if (!std::isfinite(rate) || rate < 0 || (rate > 0 && rate < kMinConnRatePerSec))
    throw std::invalid_argument("PeerGuard: the connection rate is 0 (unlimited) or at least one per hour");
  if (limits.conn_burst > kMaxConnBurst) throw std::invalid_argument("PeerGuard: conn_burst above 1000000");
  if (limits.max_tracked_addrs == 0) throw std::invalid_argument("PeerGuard: max_tracked_addrs is at least 1");
  if (limits.fail_delay_step.count() < 0 || limits.fail_delay_max.count() < 0 || limits.fail_forget.count() < 0)
    throw std::invalid_argument("PeerGuard: negative duration");
  if (rate > 0) {
    rate_interval_ = std::max(Clock::duration{1},
                              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / rate)));
    burst_span_ = rate_interval_ * static_cast<Clock::rep>(std::max<std::size_t>(limits.conn_burst, 1) - 1);
  }
}

bool PeerGuard::forgotten(const Entry& e, Clock::time_point now) const {
  return e.failures == 0 || now - e.last_failure >= limits_.fail_forget;
}

void PeerGuard::make_idle(const Key& key, Entry& e) { e.idle_pos = idle_.insert(idle_.end(), key); }

void PeerGuard::touch_idle(Entry& e) {
  if (e.live == 0) idle_.splice(idle_.end(), idle_, e.idle_pos);
}

PeerGuard::Entry* PeerGuard::track(const Key& key, Clock::time_point now) {
  if (const auto it = entries_.find(key); it != entries_.end()) return &it->second;
  for (int i = 0; i < kPrunePerNewKey && !idle_.empty(); ++i) {
    const auto oldest = entries_.find(idle_.front());
    const Entry& e = oldest->second;
    if (!forgotten(e, now) || e.bucket_full_at > now) break;
    entries_.erase(oldest);
    idle_.pop_front();
  }
  if (entries_.size() >= limits_.max_tracked_addrs) {
    if (idle_.empty()) return nullptr;  // every key has open connections: untracked (header)
    entries_.erase(idle_.front());
    idle_.pop_front();
  }
  Entry& e = entries_[key];
  make_idle(key, e);
  return &e;
}

PeerGuard::Admit PeerGuard::admit(const Key& key, Clock::time_point now) {
  Entry* e = track(key, now);
  if (!e) return Admit::ok;
  if (limits_.max_conns_per_addr != 0 && e->live >= limits_.max_conns_per_addr) return Admit::too_many_conns;
  if (rate_interval_ != Clock::duration::zero()) {
    const auto start = std::max(e->bucket_full_at, now);
    if (start - now > burst_span_) {
      touch_idle(*e);
      return Admit::too_fast;
    }
    e->bucket_full_at = start + rate_interval_;
  }
  if (e->live++ == 0) idle_.erase(e->idle_pos);
  return Admit::ok;
}

void PeerGuard::release(const Key& key) {
  const auto it = entries_.find(key);
  // Absent or at zero: a connection admitted untracked (header).
  if (it == entries_.end() || it->second.live == 0) return;
  if (--it->second.live == 0) make_idle(key, it->second);
}

std::chrono::milliseconds PeerGuard::failure_delay(const Key& key, Clock::time_point now) const {
  using std::chrono::milliseconds;
  const auto it = entries_.find(key);
  if (it == entries_.end() || forgotten(it->second, now) || limits_.fail_delay_step.count() == 0)
    return milliseconds::zero();
  const auto failures = it->second.failures;
  // Compared before multiplying, so that no count of failures overflows.
  if (failures > limits_.fail_delay_max / limits_.fail_delay_step) return limits_.fail_delay_max;
  return std::min(limits_.fail_delay_step * failures, limits_.fail_delay_max);
}

void PeerGuard::note_failure(const Key& key, Clock::time_point now) {
  Entry* e = track(key, now);
  if (!e) return;
  if (forgotten(*e, now)) e->failures = 0;
  if (e->failures != std::numeric_limits<std::uint32_t>::max()) ++e->failures;
  e->last_failure = now;
  touch_idle(*e);
}

std::size_t PeerGuard::connections(const Key& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.live;
}

}  // namespace baton

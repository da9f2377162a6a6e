// Seats that outlive their connection (docs/PROTOCOL.md, "Resuming a seat"):
// sessions handed out to HELLO 2 members, a seat kept through a dropped
// connection for the resume grace, taken back by a new connection that
// proves it owns it, or ended when the grace runs out; what a resumed member
// is told; the last accepted turn of seats that ended; a watcher's replay;
// and a ring's mode, chosen by its first member.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hub.hpp"
#include "core/hub_state.hpp"
#include "core/v1_codec.hpp"

namespace baton {
namespace {

// Seats whose last accepted turn is remembered per shard after they ended,
// so that a member reconnecting too late (or to a restarted server, with a
// journal) still learns whether its last send was committed.
constexpr std::size_t kRememberSeats = 65536;

std::uint64_t ms(std::chrono::milliseconds d) { return static_cast<std::uint64_t>(d.count()); }

std::string random_hex(std::size_t n) {
  std::string bytes((n + 1) / 2, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("OpenSSL's RNG failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  for (const char b : bytes) {
    const auto u = static_cast<unsigned char>(b);
    out += kHex[u >> 4];
    out += kHex[u & 0xf];
  }
  out.resize(n);
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  // Both are kSessionSecretChars long by the codec; compared in constant time all the same.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string seat_key(std::string_view ring, std::string_view name) {
  std::string k(ring);
  k += '/';  // not a name character: "a/bc" and "ab/c" stay apart
  k += name;
  return k;
}

}  // namespace

void Hub::open_session(Participant& p, Seat& seat) {
  auto hex = config_.random_hex ? config_.random_hex : random_hex;
  do seat.session = hex(kSessionIdChars);
  while (sessions_.count(seat.session) != 0);
  seat.secret = hex(kSessionSecretChars);
  sessions_.emplace(seat.session, p.id());
  p.deliver_session(seat.session, seat.secret, ms(config_.resume_grace), remembered(seat.rs->name, seat.name), false);
}

bool Hub::try_resume(Participant& p) {
  const Identity& who = p.who();
  const auto it = sessions_.find(who.session);
  if (it == sessions_.end()) return false;  // unknown or ended: a new seat at the back
  const MemberId id = it->second;
  Seat& seat = seats_.at(id);
  RingState& rs = *seat.rs;
  if (rs.name != who.ring || seat.name != who.name || !same_secret(seat.secret, who.secret)) {
    if (config_.on_bad_secret) config_.on_bad_secret(who.peer);
    p.fail(v1::code::auth_failed, "wrong session secret, ring or name for this session", Closed::auth);
    return true;
  }
  if (Participant* old = seat.p) {
    // Half-open: the client saw its connection die before we did. The old
    // connection's leave() finds the seat moved on and does nothing.
    seat.p = nullptr;
    old->fail(v1::code::session_replaced, "this seat was resumed on another connection", Closed::replaced);
  }
  if (seat.detached_until != Clock::time_point::max()) stats_.detached.add(-1);
  seat.p = &p;
  seat.detached_until = Clock::time_point::max();
  stats_.resumed.add();
  p.sit_in(id);
  p.deliver_welcome(ms(config_.heartbeat));
  p.deliver_session(seat.session, seat.secret, ms(config_.resume_grace), seat.last_turn, true);
  log_.info(fmt::format("{} resumed its seat in ring {}{}{} (last accepted turn {})", who.name, rs.name,
                        who.peer.empty() ? "" : " from ", who.peer, seat.last_turn));
  record(rs, RingEvent::Kind::resumed, rs.ring.turn(), who.name);
  tell_conditions(p, rs);
  tell_state(p, rs, id);
  p.ready();
  touch(rs);
  return true;
}

void Hub::tell_conditions(Participant& p, const RingState& rs) {
  if (rs.stalled) p.deliver_notice(v1::notice::journal_stalled, "the server cannot write its journal");
  if (rs.draining) p.deliver_notice(v1::notice::ring_draining, "the ring is being drained");
  if (rs.ring.paused_by(PauseBy::admin)) p.deliver_notice(v1::notice::ring_paused, "the ring is paused");
}

void Hub::tell_state(Participant& p, RingState& rs, MemberId id) {
  if (rs.ring.holder() == id && rs.sender != id) {
    // Its turn's deadline stands: it is told what is left of it, never more.
    std::uint64_t left = 0;
    if (rs.deadline != Clock::time_point::max()) {
      const auto d = std::chrono::duration_cast<std::chrono::milliseconds>(rs.deadline - config_.now());
      left = static_cast<std::uint64_t>(std::max<std::int64_t>(1, d.count()));
    }
    p.deliver_grant(rs.ring.turn(), left);
    return;
  }
  if (rs.ring.suspended(id) && rs.ring.mode() == RingPolicy::rotation) {
    // Revoked while away: the reconnect is its sign of life.
    guard(rs);
    rs.ring.resume(id, effects_);
    apply(rs);
    return;
  }
  if (const auto pos = rs.ring.position(id); pos && *pos > 0) p.deliver_queue(*pos);
}

void Hub::drop(Participant& p) {
  const auto seat = seats_.find(p.seat());
  if (seat == seats_.end() || seat->second.p != &p) return;
  if (p.who().watcher || seat->second.session.empty() || config_.resume_grace.count() <= 0) {
    vacate(seat->first, true);
    return;
  }
  Seat& s = seat->second;
  RingState& rs = *s.rs;
  s.p = nullptr;
  s.detached_until = config_.now() + config_.resume_grace;
  detached_.push_back({s.detached_until, seat->first});
  stats_.detached.add(1);
  log_.info(fmt::format("{}'s connection to ring {} dropped: its seat is kept for {} ms", s.name, rs.name,
                        ms(config_.resume_grace)));
  record(rs, RingEvent::Kind::detached, rs.ring.turn(), s.name);
  if (rs.ring.mode() == RingPolicy::lock) {
    rs.ring.dequeue(seat->first, effects_);  // a dead waiter must never be granted the lock
    apply(rs);
  }
  touch(rs);
}

void Hub::expire_seats(Clock::time_point now) {
  while (!detached_.empty() && detached_.front().until <= now) {
    const Detached d = detached_.front();
    detached_.pop_front();
    const auto it = seats_.find(d.seat);
    // Resumed since (and maybe dropped again: a later entry stands for that).
    if (it == seats_.end() || it->second.p || it->second.detached_until != d.until) continue;
    stats_.expired.add();
    vacate(d.seat, false);
  }
}

void Hub::remember(std::string_view ring, std::string_view name, std::uint64_t turn) {
  auto key = seat_key(ring, name);
  if (auto it = remembered_.find(key); it != remembered_.end()) {
    it->second = std::max(it->second, turn);
    return;
  }
  if (remembered_order_.size() >= kRememberSeats) {
    remembered_.erase(remembered_order_.front());
    remembered_order_.pop_front();
  }
  remembered_order_.push_back(key);
  remembered_.emplace(std::move(key), turn);
}

std::uint64_t Hub::remembered(std::string_view ring, std::string_view name) const {
  const auto it = remembered_.find(seat_key(ring, name));
  return it == remembered_.end() ? 0 : it->second;
}

bool Hub::set_mode(RingState& rs, RingPolicy mode) {
  if (rs.ring.mode() == mode) return true;
  if (rs.ring.size() != 0) return false;  // its members chose: the first one does
  const bool journal_paused = rs.ring.paused_by(PauseBy::journal);
  const bool admin_paused = rs.ring.paused_by(PauseBy::admin);
  rs.ring = Ring(rs.ring.min_members(), rs.ring.turn(), mode);
  if (journal_paused) rs.ring.pause(PauseBy::journal);
  if (admin_paused) rs.ring.pause(PauseBy::admin);
  return true;
}

void Hub::replay(Participant& p, RingState& rs) {
  if (!rs.backlog) {
    // Sends before this one can't be replayed: a watcher asking for them
    // hears of the gap. Numbers at or below the ring's birth in this process
    // belong to an earlier life of it (a restart, or a deleted ring).
    const std::uint64_t gone = std::max(rs.last_send_turn, rs.born_turn);
    rs.backlog = std::make_unique<SendBacklog>(config_.watch_backlog, config_.watch_backlog_bytes, gone);
  }
  if (!p.who().after) return;
  const auto r = rs.backlog->since(*p.who().after);
  if (r.gap) p.deliver_gap(*p.who().after, r.next);
  for (const BacklogEntry* e : r.entries) {
    if (e->passed) p.deliver_passed(e->turn, e->name);
    else p.deliver_event(e->turn, e->name, e->payload);
  }
}

}  // namespace baton

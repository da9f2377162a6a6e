#include "oracle.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace baton::sim {

Oracle::Oracle(const SimSettings& settings, const SimClock& clock, const SimJournal* journal)
    : settings_(settings), clock_(clock), journal_(journal) {}

void Oracle::fail(std::string tag, std::string detail) {
  if (!violation_) violation_ = Violation{std::move(tag), std::move(detail)};
}

void Oracle::welcomed(SimParticipant& p) {
  p.welcomed = true;
  RingView& r = ring(p);
  if (!p.member()) p.cursor = r.acks.size();  // a watcher sees what is acked from now on
}

void Oracle::number_granted(SimParticipant& p, RingView& r, std::uint64_t turn) {
  if (turn <= r.high_water)
    fail("turn-order", fmt::format("{} granted turn {} in ring {}, but {} was already granted there", p.label(),
                                   turn, p.who().ring, r.high_water));
  r.high_water = std::max(r.high_water, turn);
  if (journal_ && turn > journal_->reserved())
    fail("reservation", fmt::format("{} granted turn {} above the durable reservation {}", p.label(), turn,
                                    journal_->reserved()));
}

void Oracle::granted(SimParticipant& p, std::uint64_t turn) {
  if (!p.member()) fail("grant", fmt::format("watcher {} granted turn {}", p.label(), turn));
  if (p.holding != 0)
    fail("grant", fmt::format("{} granted turn {} while it still holds {}", p.label(), turn, p.holding));
  if (p.suspended) fail("grant", fmt::format("{} granted turn {} while suspended", p.label(), turn));
  RingView& r = ring(p);
  number_granted(p, r, turn);
  count("grant");
  ++r.grants;
  r.started = true;
  p.holding = turn;
  p.last_grant = turn;
  p.sent = false;
  p.held_since = clock_.mono;
  p.queue_pos.reset();
}

void Oracle::granted_implicitly(SimParticipant& p, const std::string& payload) {
  if (p.holding != 0) fail("grant", fmt::format("{} given a turn while it still holds {}", p.label(), p.holding));
  RingView& r = ring(p);
  // The hub takes a legacy member's first answer after delivering the rest of
  // the grant's effects: a QUEUE told since, in this step, already counts it.
  for (SimParticipant* q : queued_this_step_)
    if (q->who().ring == p.who().ring && q->queue_pos && q->queue_at == r.grants) ++q->queue_at;
  ++r.grants;
  r.started = true;
  p.holding = kUnknownTurn;  // its number is checked when its ACK tells it
  p.sent = true;
  p.sent_payload = payload;
  p.held_since = clock_.mono;
  p.queue_pos.reset();
}

void Oracle::acked(SimParticipant& p, std::uint64_t turn) {
  RingView& r = ring(p);
  if (p.holding == 0 || !p.sent || (p.holding != kUnknownTurn && p.holding != turn)) {
    fail("ack", fmt::format("{} acked turn {} it did not send for (holds {}, sent {})", p.label(), turn,
                            p.holding, p.sent));
    return;
  }
  if (p.holding == kUnknownTurn) number_granted(p, r, turn);
  if (!acked_.emplace(p.who().ring, turn).second)
    fail("ack-once", fmt::format("turn {} of ring {} acked twice (now to {})", turn, p.who().ring, p.label()));
  if (journal_) {
    const std::size_t copies = journal_->copies(p.who().ring, turn);
    const SimJournal::Send* rec = journal_->find(p.who().ring, turn);
    if (copies != 1)
      fail("journal-once", fmt::format("{} acked turn {} of ring {}, which the durable journal holds {} times",
                                       p.label(), turn, p.who().ring, copies));
    else if (rec->name != p.who().name || rec->payload != p.sent_payload)
      fail("journal-content", fmt::format("{} acked turn {}, but the journal holds {}: {}", p.label(), turn,
                                          rec->name, rec->payload));
  }
  count("ack");
  r.acks.push_back({turn, p.who().name, p.sent_payload});
  ++total_acks_;
  ++p.sends;
  p.holding = 0;
  p.sent = false;
}

void Oracle::event(SimParticipant& w, std::uint64_t turn, std::string_view name, std::string_view payload) {
  RingView& r = ring(w);
  if (w.member()) {
    fail("event", fmt::format("member {} sent an EVENT", w.label()));
    return;
  }
  if (w.cursor >= r.acks.size()) {
    fail("watcher-stream", fmt::format("{} told of turn {} that nobody was acked for", w.label(), turn));
    return;
  }
  const Acked& a = r.acks[w.cursor];
  if (a.turn != turn || a.name != name || a.payload != payload) {
    fail("watcher-stream", fmt::format("{} told turn {} by {}, but the next acked send is turn {} by {}", w.label(),
                                       turn, name, a.turn, a.name));
    return;
  }
  ++w.cursor;
}

void Oracle::revoked(SimParticipant& p, std::uint64_t turn) {
  if (p.holding != turn || p.sent)
    fail("revoke", fmt::format("{} revoked from turn {} (holds {}, sent {})", p.label(), turn, p.holding, p.sent));
  p.holding = 0;
  p.sent = false;
  p.revoked_turn = turn;
  p.may_cross = true;
  count("revoke");
}

void Oracle::queued(SimParticipant& p, std::uint64_t position) {
  if (p.holding != 0 || position == 0)
    fail("queue", fmt::format("{} told QUEUE {} while holding {}", p.label(), position, p.holding));
  p.queue_pos = position;
  p.queue_at = ring(p).grants;
  queued_this_step_.push_back(&p);
}

void Oracle::restarted(bool numbers_carry_over) {
  for (auto& [name, r] : rings_) {
    r.grants = 0;
    r.started = false;
    if (!numbers_carry_over) r.high_water = 0;
  }
  if (!numbers_carry_over) acked_.clear();
}

std::uint64_t Oracle::highest_granted() const {
  std::uint64_t m = 0;
  for (const auto& [name, r] : rings_) m = std::max(m, r.high_water);
  return m;
}

bool Oracle::journal_settled() const {
  if (!journal_) return true;
  return journal_->ok() && clock_.mono >= journal_->ok_since() + settings_.journal_retry;
}

void Oracle::check(const std::vector<SimParticipant*>& live, const Hub& hub, bool committed) {
  queued_this_step_.clear();
  std::map<std::string, std::vector<SimParticipant*>> by_ring;
  for (SimParticipant* p : live)
    if (p->welcomed) by_ring[p->who().ring].push_back(p);
  for (auto& [name, r] : rings_) {
    static const std::vector<SimParticipant*> none;
    const auto it = by_ring.find(name);
    check_ring(name, r, it == by_ring.end() ? none : it->second);
  }
  if (journal_ && journal_->durable_sends() != total_acks_)
    fail("journal-acked", fmt::format("the durable journal holds {} sends but {} were acked",
                                      journal_->durable_sends(), total_acks_));
  check_deadlines(live, committed);
  // Empty rings are deleted: only occupied rings, and while the journal is
  // not settled the ones waiting on it, may exist.
  const bool settled = journal_settled() && !hub.commit_due();
  const std::size_t bound = settled ? by_ring.size() : rings_.size();
  if (hub.ring_count() > bound)
    fail("ring-count", fmt::format("the hub keeps {} rings; {} have anyone in them", hub.ring_count(),
                                   by_ring.size()));
}

void Oracle::check_ring(const std::string& name, RingView& r, const std::vector<SimParticipant*>& in_ring) {
  std::size_t holders = 0, members = 0;
  const SimParticipant* waiting = nullptr;
  for (const SimParticipant* p : in_ring) {
    if (!p->member()) {
      if (p->cursor != r.acks.size())
        fail("watcher-stream", fmt::format("{} was told {} of the {} sends acked in ring {} since it joined",
                                           p->label(), p->cursor, r.acks.size(), name));
      continue;
    }
    ++members;
    if (p->holding != 0) ++holders;
    if (p->holding == 0 && !p->suspended) waiting = p;
    // Liveness: QUEUE n promises the baton within n more grants of the ring.
    if (p->holding == 0 && !p->suspended && p->queue_pos && r.grants - p->queue_at >= *p->queue_pos)
      fail("passed-over", fmt::format("{} was told QUEUE {}, then {} grants in ring {} went to others", p->label(),
                                      *p->queue_pos, r.grants - p->queue_at, name));
  }
  if (holders > 1) fail("one-holder", fmt::format("{} members of ring {} hold the baton", holders, name));
  if (members == 0) r.started = false;  // as the ring does: it waits for min_members again
  if (r.started && holders == 0 && waiting && journal_settled())
    fail("stalled", fmt::format("ring {} has run, {} waits, nobody holds the baton, and the journal is fine",
                                name, waiting->label()));
}

void Oracle::check_deadlines(const std::vector<SimParticipant*>& live, bool committed) {
  for (const SimParticipant* p : live) {
    if (p->holding == 0) continue;
    if (p->sent) {
      // Sent and not acked after a pass ended with a journal that works.
      if (committed && journal_settled())
        fail("ack-delayed", fmt::format("{}'s send for turn {} not acked though the journal works", p->label(),
                                        p->holding == kUnknownTurn ? "(its first)" : std::to_string(p->holding)));
      continue;
    }
    milliseconds limit = settings_.turn_timeout;
    if (limit.count() == 0 && p->legacy()) limit = settings_.legacy_silence;
    if (limit.count() == 0) continue;
    auto from = p->held_since;
    if (journal_) {
      if (!journal_->ok()) continue;  // a stalled ring keeps its holder: the server is the one stuck
      from = std::max(from, journal_->ok_since() + settings_.journal_retry);
    }
    if (clock_.mono >= from + limit)
      fail("turn-timeout", fmt::format("{} still holds turn {} {} ms after its grant", p->label(), p->holding,
                                       std::chrono::duration_cast<milliseconds>(clock_.mono - p->held_since).count()));
  }
}

}  // namespace baton::sim

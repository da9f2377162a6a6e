#include "world.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace baton::sim {

struct World::QuietLog final : HubLog {
  void info(std::string_view) override {}
  void warn(std::string_view) override {}
  void turn(std::string_view, std::uint64_t, std::string_view, std::string_view) override {}
};

World::World(const SimSettings& settings, std::ostream* trace)
    : settings_(settings), trace_(trace), journal_(settings.journal ? std::make_unique<SimJournal>(clock_) : nullptr),
      oracle_(settings_, clock_, journal_.get()), log_(std::make_unique<QuietLog>()) {
  clock_.wall = settings_.wall_start;
  build_hub(0);
}

World::~World() { hub_.reset(); }  // before the participants it points to

void World::build_hub(std::uint64_t floor) {
  HubConfig c;
  c.min_members = settings_.min_members;
  c.turn_timeout = settings_.turn_timeout;
  c.legacy_silence = settings_.legacy_silence;
  c.heartbeat = milliseconds(1000);
  c.journal_retry = settings_.journal_retry;
  c.turns_from_clock = settings_.turns_from_clock;
  c.now = [this] { return clock_.mono; };
  c.wall_micros = [this] { return clock_.wall; };
  c.history = 4;  // small, so that the feed's history overruns (gaps) are exercised
  hub_ = std::make_unique<Hub>(std::move(c), *log_, journal_.get(), floor);
  // The live feed on, as with a status page and one `baton-ctl watch r1`
  // open: its bookkeeping must survive every ring's birth and deletion.
  hub_->feed_all(true);
  hub_->feed_ring(kRingNames[1], +1);
}

void World::observe() {
  // take_changes with a small bound: changes left for the next take too.
  const FeedBatch b = hub_->take_changes(2);
  for (const auto& group : b.events)
    for (std::size_t i = 1; i < group.events.size(); ++i)
      if (group.events[i].seq <= group.events[i - 1].seq)
        oracle_.fail("feed-order", group.ring + ": events out of order in a feed batch");
  std::size_t listed = 0;
  std::string after;
  for (int pages = 0; pages < 64; ++pages) {
    const auto page = hub_->list_rings(after, 2);
    for (const auto& r : page) {
      if (!after.empty() && r.name <= after) oracle_.fail("rings-order", "list_rings is not in name order");
      after = r.name;
      ++listed;
      const auto d = hub_->ring_detail(r.name);
      if (!d) {
        oracle_.fail("ring-detail", r.name + " is listed but has no detail");
        continue;
      }
      const auto holders = std::count_if(d->members.begin(), d->members.end(),
                                         [](const MemberView& m) { return m.state == MemberView::State::holder; });
      if (holders != (r.holder ? 1 : 0) || d->members.size() > r.members)
        oracle_.fail("ring-detail", r.name + ": its detail disagrees with its summary");
    }
    if (page.size() < 2) break;
  }
  const HubStats& s = hub_->stats();
  if (listed != hub_->ring_count() || s.rings.get() != static_cast<std::int64_t>(hub_->ring_count()))
    oracle_.fail("ring-count", "paging, the rings gauge and ring_count() disagree");
  if (s.waiting.get() < 0 || s.waiting.get() > static_cast<std::int64_t>(hub_->ring_count()))
    oracle_.fail("waiting-gauge", "rings waiting is below 0 or above the rings that exist");
  if (s.sends.get() > s.grants.get()) oracle_.fail("counters", "more sends accepted than grants");
}

SimParticipant* World::find(std::uint32_t id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second->life != SimParticipant::Life::connected) return nullptr;
  return it->second;
}

bool World::name_in_use(const std::string& ring, const std::string& name) const {
  return std::any_of(live_.begin(), live_.end(), [&](const SimParticipant* p) {
    return p->member() && p->welcomed && p->who().ring == ring && p->who().name == name;
  });
}

void World::step(const Action& a) {
  if (trace_) *trace_ << "  " << describe(a) << '\n';
  bool committed = false;
  SimParticipant* p = a.op == Op::join || a.op == Op::legacy || a.op == Op::watch ? nullptr : find(a.who);
  switch (a.op) {
    case Op::join:
    case Op::legacy:
    case Op::watch:
      join(a);
      break;
    case Op::leave:
      if (p) {
        p->life = SimParticipant::Life::left;  // from here on the hub must not touch it
        hub_->leave(*p);
      }
      break;
    case Op::send:
      if (p && p->member()) send(*p, a.aim);
      break;
    case Op::resume:
      if (p && p->suspended) hub_->resume(*p);
      break;
    case Op::commit:
      end_pass();
      committed = true;
      break;
    case Op::advance:
      advance(a);
      committed = true;
      break;
    case Op::journal:
      if (!journal_) break;
      if (a.amount == 2) journal_->set_pattern(a.bits, 8);
      else journal_->set_failing(a.amount == 1);
      break;
    case Op::restart:
      restart(a);
      break;
  }
  std::erase_if(live_, [](const SimParticipant* q) { return q->life != SimParticipant::Life::connected; });
  oracle_.check(live_, *hub_, committed);
}

void World::join(const Action& a) {
  if (by_id_.count(a.who)) return;
  Identity who;
  who.wire = a.op == Op::legacy ? Wire::legacy : Wire::v1;
  who.watcher = a.op == Op::watch;
  who.ring = a.op == Op::legacy ? "default" : kRingNames[a.ring % kRings];
  who.name = who.watcher ? fmt::format("w{}", a.who) : kMemberNames[a.name % kNames];
  std::optional<std::string> first;
  if (a.op == Op::legacy && a.flag) first = fmt::format("{}", a.who);
  const bool taken = !who.watcher && name_in_use(who.ring, who.name);
  auto owned = std::make_unique<SimParticipant>(a.who, std::move(who), std::move(first), *hub_, oracle_, trace_);
  SimParticipant& p = *owned;
  all_.push_back(std::move(owned));
  by_id_.emplace(a.who, &p);
  live_.push_back(&p);
  hub_->enter(p);
  if (taken && p.fail_code != "NAME_TAKEN")
    oracle_.fail("name-taken", fmt::format("{} joined ring {} under a live member's name", p.label(), p.who().ring));
  if (!taken && p.life != SimParticipant::Life::connected)
    oracle_.fail("join", fmt::format("{} refused on joining: {}", p.label(), p.fail_code));
}

void World::send(SimParticipant& p, Aim aim) {
  // As a session does: any bytes from a revoked member first show it is alive.
  if (p.suspended) hub_->resume(p);
  if (p.life != SimParticipant::Life::connected) return;
  std::uint64_t turn = 0;  // a legacy send names no turn: it is for the current one
  bool honest = false;
  bool forgiven = false;
  if (p.legacy()) {
    honest = p.holding != 0 && !p.sent;
  } else {
    switch (aim) {
      case Aim::granted: turn = p.last_grant; break;
      case Aim::stale: turn = p.last_grant > 1 ? p.last_grant - 1 : 1; break;
      case Aim::ahead: turn = std::max(p.last_grant, hub_->turn_of(p.who().ring)) + 1; break;
      case Aim::revoked: turn = p.revoked_turn != 0 ? p.revoked_turn : p.last_grant; break;
    }
    honest = p.holding != 0 && p.holding == turn && !p.sent;
    // The REVOKED already in its stream answers one send for that turn.
    forgiven = !honest && p.may_cross && turn == p.revoked_turn && p.holding != turn;
  }
  const std::string payload = fmt::format("{}#{}", p.id(), p.sends + 1);
  if (honest) {
    p.sent = true;
    p.sent_payload = payload;
  }
  const std::uint64_t acks_before = p.sends;
  const std::uint64_t held = p.holding;
  hub_->submit(p, turn, payload);
  const bool failed = p.life == SimParticipant::Life::failed;
  if (honest && failed)
    oracle_.fail("send", fmt::format("{}'s send for its turn {} refused: {}", p.label(), held, p.fail_code));
  else if (honest && !journal_ && p.sends == acks_before)
    oracle_.fail("send", fmt::format("{}'s send for turn {} not acked (no journal)", p.label(), held));
  else if (forgiven && failed)
    oracle_.fail("crossed-send", fmt::format("{}'s send for revoked turn {} refused ({}) instead of ignored once",
                                             p.label(), turn, p.fail_code));
  else if (!honest && !forgiven && !failed)
    oracle_.fail("bad-send", fmt::format("{}'s send for turn {} (holds {}, sent {}) was not refused", p.label(),
                                         turn, held, p.sent));
  if (forgiven && !failed) oracle_.count("crossed send ignored");
  if (forgiven) p.may_cross = false;
}

void World::advance(const Action& a) {
  const auto tick_to = [this](Clock::time_point t) {
    if (t <= clock_.mono) return;
    clock_.wall += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(t - clock_.mono).count());
    clock_.mono = t;
  };
  end_pass();  // the pass that ran before time passes ends
  const auto target = clock_.mono + milliseconds(a.amount);
  // The shard's timer wakes at every deadline; a stopped process (flag) wakes once, late.
  for (int wakes = 0; !a.flag && hub_->next_deadline() <= target && !oracle_.failed(); ++wakes) {
    tick_to(hub_->next_deadline());
    hub_->expire_due();
    end_pass();
    if (hub_->next_deadline() <= clock_.mono)
      oracle_.fail("busy-timer", "after expire_due() the next deadline is already due: the shard would spin");
  }
  tick_to(target);
  if (clock_.mono >= hub_->next_deadline()) {
    hub_->expire_due();
    end_pass();
  }
}

void World::end_pass() {
  // A commit can stage more (a legacy member's first answer, due with the
  // grant its commit caused); the shard then posts another commit.
  for (int passes = 0; hub_->commit_due() && passes < 64; ++passes) hub_->commit();
  if (hub_->commit_due()) oracle_.fail("commit-loop", "64 commits in a row left sends staged");
  observe();
}

void World::restart(const Action& a) {
  // A crash: no participant is told anything or leaves; the hub and every
  // connection are gone, and so is whatever was staged and not committed.
  hub_.reset();
  for (SimParticipant* p : live_) p->life = SimParticipant::Life::crashed;
  live_.clear();
  if (journal_) journal_->crash();
  // The wall clock may lie after a restart (NTP step, an RTC reset to near
  // the epoch: flag). With a journal that must not matter: recovery starts
  // above every durable reservation and send. Without one, numbers rise
  // across a restart only if the wall clock (µs) is above every number
  // granted before, which the hub assumes and the oracle only then checks.
  if (a.flag) clock_.wall = static_cast<std::uint64_t>(a.amount);
  else if (a.amount < 0 && static_cast<std::uint64_t>(-a.amount) > clock_.wall) clock_.wall = 0;
  else clock_.wall += static_cast<std::uint64_t>(a.amount);
  oracle_.count("restart");
  const bool carry = journal_ || (settings_.turns_from_clock && clock_.wall > oracle_.highest_granted());
  oracle_.restarted(carry);
  build_hub(journal_ ? journal_->floor() : 0);
}

}  // namespace baton::sim

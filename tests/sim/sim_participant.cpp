#include "sim_participant.hpp"

#include <fmt/format.h>

#include "oracle.hpp"

namespace baton::sim {

SimParticipant::SimParticipant(MemberId id, Identity who, std::optional<std::string> legacy_first, Hub& hub,
                               Oracle& oracle, std::ostream* trace)
    : id_(id), who_(std::move(who)), legacy_first_(std::move(legacy_first)), hub_(hub), oracle_(oracle),
      trace_(trace) {}

std::string SimParticipant::label() const { return fmt::format("p{}({})", id_, who_.name); }

bool SimParticipant::alive(const char* what) {
  if (life == Life::connected) return true;
  oracle_.fail("told-after-end", fmt::format("{} was told {} after it ended", label(), what));
  return false;
}

void SimParticipant::deliver_welcome(std::uint64_t) {
  if (trace_) *trace_ << "      " << label() << " <- WELCOME\n";
  if (alive("WELCOME")) oracle_.welcomed(*this);
}

void SimParticipant::deliver_grant(std::uint64_t turn, std::uint64_t) {
  if (trace_) *trace_ << "      " << label() << " <- GRANT " << turn << '\n';
  if (alive("grant")) oracle_.granted(*this, turn);
}

void SimParticipant::deliver_queue(std::uint64_t position) {
  if (trace_) *trace_ << "      " << label() << " <- QUEUE " << position << '\n';
  if (alive("queue")) oracle_.queued(*this, position);
}

void SimParticipant::deliver_revoked(std::uint64_t turn) {
  if (trace_) *trace_ << "      " << label() << " <- REVOKED " << turn << '\n';
  if (alive("revoked")) oracle_.revoked(*this, turn);
}

void SimParticipant::deliver_ack(std::uint64_t turn) {
  if (trace_) *trace_ << "      " << label() << " <- ACK " << turn << '\n';
  if (alive("ack")) oracle_.acked(*this, turn);
}

void SimParticipant::deliver_event(std::uint64_t turn, std::string_view name, std::string_view payload) {
  if (trace_) *trace_ << "      " << label() << " <- EVENT " << turn << ' ' << name << ' ' << payload << '\n';
  if (alive("event")) oracle_.event(*this, turn, name, payload);
}

void SimParticipant::deliver_notice(std::string_view code, std::string_view) {
  if (trace_) *trace_ << "      " << label() << " <- NOTICE " << code << '\n';
  if (!alive("notice")) return;
  oracle_.count(std::string(code));
  // Rare: the ring outran its reservation while its holder still had the baton.
  if (code == "JOURNAL_STALLED" && holding != 0 && !sent) oracle_.count("stall under a holder yet to send");
}

void SimParticipant::deliver_ping(std::string_view) { alive("PING"); }

void SimParticipant::ready() {
  if (life != Life::connected) oracle_.fail("told-after-end", fmt::format("{} was readied after it ended", label()));
}

void SimParticipant::fail(std::string_view code, std::string_view, Closed) {
  if (trace_) *trace_ << "      " << label() << " <- ERROR " << code << '\n';
  if (!alive("ERROR")) return;
  life = Life::failed;
  fail_code = code;
  oracle_.count(fail_code);
  holding = 0;
  queue_pos.reset();
  // The contract of Participant::fail: the peer leaves its ring before this returns.
  hub_.leave(*this);
}

void SimParticipant::set_suspended(bool on) {
  if (on && !alive("suspended")) return;
  suspended = on;
  if (on) queue_pos.reset();
}

std::optional<std::string> SimParticipant::take_legacy_first() {
  if (!legacy_first_ || !alive("its turn (legacy first answer)")) return std::nullopt;
  if (trace_) *trace_ << "      " << label() << " <- its first answer is its turn's send\n";
  auto first = std::move(legacy_first_);
  legacy_first_.reset();
  oracle_.granted_implicitly(*this, *first);
  return first;
}

}  // namespace baton::sim

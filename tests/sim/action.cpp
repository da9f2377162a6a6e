#include "action.hpp"

#include <fmt/format.h>

namespace baton::sim {
namespace {

const char* aim_text(Aim a) {
  switch (a) {
    case Aim::granted: return "the turn of its last GRANT";
    case Aim::stale: return "an older turn";
    case Aim::ahead: return "a turn not yet current";
    case Aim::revoked: return "the turn of its last REVOKED";
  }
  return "?";
}

}  // namespace

std::string describe(const Action& a) {
  switch (a.op) {
    case Op::join:
      return fmt::format("p{} joins ring {} as {} (v1)", a.who, kRingNames[a.ring % kRings],
                         kMemberNames[a.name % kNames]);
    case Op::legacy:
      return fmt::format("p{} joins ring default as {} (legacy{})", a.who, kMemberNames[a.name % kNames],
                         a.flag ? ", already answered the probe" : "");
    case Op::watch:
      return fmt::format("p{} watches ring {}", a.who, kRingNames[a.ring % kRings]);
    case Op::leave:
      return fmt::format("p{} leaves", a.who);
    case Op::send:
      return fmt::format("p{} sends for {}", a.who, aim_text(a.aim));
    case Op::resume:
      return fmt::format("p{} is heard from", a.who);
    case Op::commit:
      return "the event-loop pass ends (commit)";
    case Op::advance:
      return fmt::format("{} ms pass{}", a.amount, a.flag ? " in one jump (process stopped)" : "");
    case Op::journal:
      if (a.amount == 0) return "the journal heals";
      if (a.amount == 1) return "the journal fails every write";
      return fmt::format("the journal's next 8 writes fail where {:08b} has a 1 (right to left)", a.bits & 0xFFu);
    case Op::restart:
      if (a.flag) return fmt::format("crash and restart; the wall clock resets to {} us", a.amount);
      return fmt::format("crash and restart; the wall clock moves {:+} us", a.amount);
  }
  return "?";
}

}  // namespace baton::sim

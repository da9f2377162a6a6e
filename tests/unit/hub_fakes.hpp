// Fakes for driving core/hub.hpp without sockets: a participant that records
// what it is told (one line per delivery, in the wire's words), a journal that
// can fail on demand, a clock that moves when told, and a log that keeps lines.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/hub.hpp"

namespace baton::test {

struct FakeParticipant final : Participant {
  FakeParticipant(MemberId i, std::string name, std::string ring = "default", bool watcher = false,
                  Wire wire = Wire::v1)
      : id_(i) {
    who_.wire = wire;
    who_.watcher = watcher;
    who_.ring = std::move(ring);
    who_.name = std::move(name);
  }

  MemberId id() const override { return id_; }
  const Identity& who() const override { return who_; }
  bool ended() const override { return ended_; }
  void deliver_welcome(std::uint64_t hb) override { told.push_back(fmt::format("WELCOME {}", hb)); }
  void deliver_grant(std::uint64_t t, std::uint64_t ms) override { told.push_back(fmt::format("GRANT {} {}", t, ms)); }
  void deliver_queue(std::uint64_t p) override { told.push_back(fmt::format("QUEUE {}", p)); }
  void deliver_revoked(std::uint64_t t) override { told.push_back(fmt::format("REVOKED {}", t)); }
  void deliver_ack(std::uint64_t t) override { told.push_back(fmt::format("ACK {}", t)); }
  void deliver_event(std::uint64_t t, std::string_view n, std::string_view p) override {
    told.push_back(fmt::format("EVENT {} {} {}", t, n, p));
  }
  void deliver_notice(std::string_view c, std::string_view) override { told.push_back(fmt::format("NOTICE {}", c)); }
  void deliver_ping(std::string_view tok) override { told.push_back(fmt::format("PING {}", tok)); }
  void deliver_session(std::string_view s, std::string_view k, std::uint64_t grace, std::uint64_t last,
                       bool resumed) override {
    session = s;
    secret = k;
    told.push_back(fmt::format("{} {} {}", resumed ? "RESUMED" : "SESSION", grace, last));
  }
  void deliver_passed(std::uint64_t t, std::string_view n) override { told.push_back(fmt::format("PASSED {} {}", t, n)); }
  void deliver_gap(std::uint64_t a, std::uint64_t n) override { told.push_back(fmt::format("GAP {} {}", a, n)); }
  void ready() override { readied.push_back(id_); }
  void fail(std::string_view code, std::string_view, Closed) override {
    if (ended_) return;
    ended_ = true;
    told.push_back(fmt::format("ERROR {}", code));
    if (hub) hub->leave(*this);
  }
  void set_suspended(bool on) override { suspended = on; }
  std::optional<std::string> take_legacy_first() override { return std::exchange(legacy_first, std::nullopt); }
  bool has_legacy_first() const override { return legacy_first.has_value(); }

  // The last line told starting with prefix, or "".
  std::string last(std::string_view prefix) const {
    for (auto it = told.rbegin(); it != told.rend(); ++it)
      if (it->rfind(prefix, 0) == 0) return *it;
    return "";
  }
  bool was_told(std::string_view line) const {
    for (const auto& l : told)
      if (l == line) return true;
    return false;
  }

  MemberId id_;
  Identity who_;
  bool ended_ = false;
  bool suspended = false;
  std::optional<std::string> legacy_first;
  std::string session, secret;  // from its last SESSION/RESUMED
  std::vector<std::string> told;
  std::vector<MemberId>& readied = shared_readied();
  Hub* hub = nullptr;

  static std::vector<MemberId>& shared_readied() {
    static std::vector<MemberId> r;
    return r;
  }
};

struct FakeJournal final : JournalPort {
  void stage_send(std::string_view ring, std::uint64_t turn, std::string_view name, std::string_view payload) override {
    batch.push_back(fmt::format("S {} {} {} {}", ring, turn, name, payload));
  }
  std::size_t staged() const override { return batch.size(); }
  bool commit() override {
    ++commits;
    if (failing) {
      batch.clear();
      return false;
    }
    durable.insert(durable.end(), batch.begin(), batch.end());
    batch.clear();
    return true;
  }
  bool reserve(std::uint64_t upto) override {
    if (failing || fail_reserve) return false;
    reserved = upto;
    durable.push_back(fmt::format("R {}", upto));
    return true;
  }
  bool failing = false;       // commit() and reserve() fail (a full disk)
  bool fail_reserve = false;  // only reserve() fails
  int commits = 0;
  std::uint64_t reserved = 0;
  std::vector<std::string> batch;
  std::vector<std::string> durable;
};

struct FakeLog final : HubLog {
  void info(std::string_view l) override { lines.emplace_back(l); }
  void warn(std::string_view l) override { lines.emplace_back(l); }
  void turn(std::string_view ring, std::uint64_t t, std::string_view n, std::string_view p) override {
    lines.push_back(fmt::format("{} sent: {} (ring {} turn {})", n, p, ring, t));
  }
  bool has(std::string_view part) const {
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
  std::vector<std::string> lines;
};

struct FakeClock {
  HubConfig::Clock::time_point t{std::chrono::hours(1)};
  void advance(std::chrono::milliseconds d) { t += d; }
};

// The people a test brings into hubs; each enters as it is made.
struct People {
  std::vector<std::unique_ptr<FakeParticipant>> all;
  FakeParticipant& join(Hub& hub, const std::string& name, const std::string& ring = "default",
                        bool watcher = false) {
    all.push_back(std::make_unique<FakeParticipant>(all.size() + 1, name, ring, watcher));
    auto& p = *all.back();
    p.hub = &hub;
    hub.enter(p);
    return p;
  }
  FakeParticipant& at(const std::string& name) {
    for (auto& p : all)
      if (p->who().name == name) return *p;
    throw std::out_of_range(name);
  }
};

}  // namespace baton::test

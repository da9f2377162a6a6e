// A member or watcher with no socket: everything the hub tells it goes to the
// oracle as it is told (order matters: an ACK must come before the GRANT its
// send causes), and it remembers what it was told, as a client would, so that
// the schedule can act on it (send for the turn of its last GRANT, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "core/participant.hpp"
#include "sim_types.hpp"

namespace baton::sim {

class Oracle;

// The turn of a legacy member's first answer, committed when its first turn
// comes without a GO being sent: the hub never says which number that was
// until the ACK.
inline constexpr std::uint64_t kUnknownTurn = ~std::uint64_t{0};

class SimParticipant final : public Participant {
 public:
  enum class Life { connected, failed, left, crashed };

  SimParticipant(MemberId id, Identity who, std::optional<std::string> legacy_first, Hub& hub, Oracle& oracle,
                 std::ostream* trace);

  MemberId id() const override { return id_; }
  const Identity& who() const override { return who_; }
  bool ended() const override { return life != Life::connected; }

  void deliver_welcome(std::uint64_t heartbeat_ms) override;
  void deliver_grant(std::uint64_t turn, std::uint64_t timeout_ms) override;
  void deliver_queue(std::uint64_t position) override;
  void deliver_revoked(std::uint64_t turn) override;
  void deliver_ack(std::uint64_t turn) override;
  void deliver_event(std::uint64_t turn, std::string_view name, std::string_view payload) override;
  void deliver_notice(std::string_view code, std::string_view text) override;
  void deliver_ping(std::string_view token) override;
  void ready() override;
  void fail(std::string_view code, std::string_view text, Closed why) override;
  void set_suspended(bool on) override;
  std::optional<std::string> take_legacy_first() override;
  bool has_legacy_first() const override { return legacy_first_.has_value(); }

  bool member() const { return !who_.watcher; }
  bool legacy() const { return who_.wire == Wire::legacy; }
  std::string label() const;

  // What it has been told; the oracle keeps these up to date.
  Life life = Life::connected;
  bool welcomed = false;
  std::uint64_t holding = 0;  // the turn it holds (0: none; kUnknownTurn: see above)
  bool sent = false;          // it sent for `holding`, not acked yet
  std::string sent_payload;
  Clock::time_point held_since{};
  std::uint64_t last_grant = 0;
  std::uint64_t revoked_turn = 0;  // the last REVOKED it was told
  bool may_cross = false;          // a send for revoked_turn is still forgiven
  bool suspended = false;
  std::optional<std::uint64_t> queue_pos;  // its last QUEUE, while waiting
  std::uint64_t queue_at = 0;              // its ring's grant count when told it
  std::string fail_code;
  std::size_t cursor = 0;  // watcher: how many of its ring's acked sends it was told
  std::uint64_t sends = 0;

 private:
  bool alive(const char* what);

  MemberId id_;
  Identity who_;
  std::optional<std::string> legacy_first_;
  Hub& hub_;
  Oracle& oracle_;
  std::ostream* trace_;
};

}  // namespace baton::sim

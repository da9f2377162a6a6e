// Tells what a new connection speaks from what it sends after our greeting
// (docs/PROTOCOL.md, "How each side tells"): a v1 client sends a HELLO line,
// at any time within the hello timeout; the seed's client says nothing until
// it is sent GO, then answers NAME:NUMBER. A connection silent for
// legacy_after is probed with one GO, but it is not a member of anything
// until it answers: a silent socket holds no turn.
//
// Pure: no sockets, no clocks. The listener feeds it bytes and the moment the
// legacy_after timer fires, and acts on the verdicts.
// Thread: owned by one handshake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/legacy_codec.hpp"
#include "core/ring.hpp"
#include "core/v1_codec.hpp"

namespace baton {

class PeerDetector {
 public:
  struct NeedMore {};
  struct Probe {};  // send the two bytes "GO" now
  struct Hello {    // a v1 client
    bool watcher = false;
    std::string ring;
    std::string name;
    std::string token;     // HELLO's optional secret ("" if none); never logged
    std::string leftover;  // bytes after the HELLO line
    int version = 1;       // HELLO 2: sessions (docs/PROTOCOL.md)
    std::string session;   // resume=<session>:<secret> ("" if none); the secret is never logged
    std::string secret;
    std::optional<std::uint64_t> after;
    std::optional<RingPolicy> mode;
    bool deferred_ack = false;  // ack=deferred
  };
  struct Legacy {  // the seed's client answered the probe
    std::string name;
    std::string payload;
  };
  struct Refuse {
    std::string_view code;
    std::string text;
  };
  using Verdict = std::variant<NeedMore, Probe, Hello, Legacy, Refuse>;

  // legacy_allowed: false (--legacy-after 0) means silence is never probed.
  PeerDetector(std::size_t max_line, bool legacy_allowed) : lines_(max_line), legacy_allowed_(legacy_allowed) {}

  // The bytes of one read. more_coming: the read filled its buffer and the
  // socket holds more (a legacy message ends where a read ends).
  Verdict on_bytes(std::string_view bytes, bool more_coming);
  // legacy_after has passed since the greeting.
  Verdict on_quiet();
  bool probed() const noexcept { return probed_; }
  bool heard() const noexcept { return heard_; }

 private:
  enum class Mode { undecided, v1, legacy };
  Verdict on_v1(std::string_view bytes);
  Verdict on_legacy(std::string_view bytes, bool more_coming);

  v1::LineReader lines_;
  legacy::MessageReader legacy_;
  std::string undecided_;  // after the probe: bytes too few to tell "HELLO " from "NAME:"
  Mode mode_ = Mode::undecided;
  bool legacy_allowed_;
  bool heard_ = false;
  bool probed_ = false;
};

}  // namespace baton

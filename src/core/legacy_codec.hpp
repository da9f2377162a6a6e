// The seed's unframed protocol (docs/PROTOCOL.md, "legacy"): the server sends
// bare "GO" / "WAIT", the client answers a bare "NAME:NUMBER". Pure, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/limits.hpp"

namespace baton::legacy {

inline constexpr std::string_view kGo = "GO";
inline constexpr std::string_view kWait = "WAIT";

// Client side: turns the server's byte stream into GO/WAIT signals wherever
// the reads split it ("WAITWAITGO" in one read, or "WA" + "ITG" + "O").
// Thread: owned by one client.
class SignalReader {
 public:
  enum class Signal { go, wait };
  enum class State { ok, garbage };

  void append(std::string_view bytes) { buf_.append(bytes); }
  // Next complete signal, or nullopt when more bytes are needed or the stream
  // holds something that is neither GO nor WAIT (then state() == garbage).
  std::optional<Signal> next();
  State state() const noexcept { return state_; }

 private:
  std::string buf_;
  State state_ = State::ok;
};

// Server side: the seed's client sends one "NAME:PAYLOAD" per GO with no
// delimiter, so a message ends where the bytes stop. MessageReader gathers the
// bytes of reads until they form NAME ':' PAYLOAD, tolerating a split before
// or at the ':' (a split inside the payload cannot be told from the end of
// the message; the seed's own server has the same limit).
class MessageReader {
 public:
  struct Message {
    std::string name;
    std::string payload;
  };
  enum class Result { complete, incomplete, invalid };

  // Adds the bytes of one read and says whether they complete a message.
  // more_coming: the read filled its buffer and the socket holds more, so the
  // message has not ended yet (a message over kMaxLegacyMessage is refused
  // whole, never taken as a prefix).
  Result append(std::string_view bytes, bool more_coming = false);
  // After Result::complete: the message; the reader is empty again.
  Message take();
  const char* why() const noexcept { return why_; }

 private:
  std::string buf_;
  const char* why_ = "";
};

// The one line the seed's client is ever sent per turn.
inline void put_go(std::string& out) { out.append(kGo); }

}  // namespace baton::legacy

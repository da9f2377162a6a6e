// The bytes a v1 server sends before (and including) WELCOME, as lines.
// Pure, no sockets. Thread: owned by one Client.
//
// Why not v1::LineReader: a baton server that has heard nothing from a new
// connection for --legacy-after (300 ms) probes for the seed's client with the
// two bytes "GO", no newline, once. A v1 client on a slow link can therefore
// find "GO" anywhere between the greeting line and WELCOME: in the greeting's
// read, alone, split "G" + "O", or glued to the front of the next line
// ("GOWELCOME default a 10000"). No v1 line that can come before WELCOME starts
// with 'G', so at a line boundary after the greeting a 'G' is the probe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/legacy_codec.hpp"
#include "core/limits.hpp"

namespace baton::detail {

class HandshakeReader {
 public:
  void append(std::string_view bytes) { buf_.append(bytes); }
  bool empty() const noexcept { return buf_.empty(); }
  char front() const { return buf_.front(); }

  // The next complete line (without '\n'), dropping the probe "GO" once if it
  // stands where a line would begin after the greeting. nullopt: more bytes
  // are needed (or overflow() is true).
  std::optional<std::string> next() {
    if (greeted_ && !probe_dropped_ && !buf_.empty() && buf_[0] == legacy::kGo[0]) {
      if (buf_.size() < legacy::kGo.size()) return std::nullopt;  // "G" alone: wait for the "O"
      if (std::string_view(buf_).substr(0, legacy::kGo.size()) == legacy::kGo) {
        buf_.erase(0, legacy::kGo.size());
        probe_dropped_ = true;
      }
    }
    const auto nl = buf_.find('\n');
    if (nl == std::string::npos) {
      overflow_ = buf_.size() >= kMaxLine;
      return std::nullopt;
    }
    std::string line = buf_.substr(0, nl);
    buf_.erase(0, nl + 1);
    greeted_ = true;  // the first line is the greeting; the probe may follow it
    return line;
  }
  bool overflow() const noexcept { return overflow_; }

  // What came after the last line returned (after WELCOME: the first bytes of
  // the session proper, e.g. a QUEUE line in the same read).
  std::string take_rest() { return std::move(buf_); }

 private:
  std::string buf_;
  bool greeted_ = false;
  bool probe_dropped_ = false;
  bool overflow_ = false;
};

}  // namespace baton::detail

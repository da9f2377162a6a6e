#include "core/peer_detector.hpp"

#include <algorithm>

namespace baton {
namespace {
constexpr std::string_view kHelloPrefix = "HELLO ";
}  // namespace

PeerDetector::Verdict PeerDetector::on_quiet() {
  if (heard_ || probed_ || !legacy_allowed_) return NeedMore{};
  probed_ = true;
  return Probe{};
}

PeerDetector::Verdict PeerDetector::on_bytes(std::string_view bytes, bool more_coming) {
  heard_ = true;
  switch (mode_) {
    case Mode::v1:
      return on_v1(bytes);
    case Mode::legacy:
      return on_legacy(bytes, more_coming);
    case Mode::undecided:
      break;
  }
  // Before the probe only a v1 client may speak: the seed's client waits for GO.
  if (!probed_) {
    mode_ = Mode::v1;
    return on_v1(bytes);
  }
  undecided_.append(bytes);
  const std::size_t n = std::min(undecided_.size(), kHelloPrefix.size());
  if (std::string_view(undecided_).substr(0, n) == kHelloPrefix.substr(0, n)) {
    if (n < kHelloPrefix.size()) return NeedMore{};
    mode_ = Mode::v1;
  } else {
    mode_ = Mode::legacy;
  }
  const std::string all = std::move(undecided_);
  undecided_.clear();
  return mode_ == Mode::v1 ? on_v1(all) : on_legacy(all, more_coming);
}

PeerDetector::Verdict PeerDetector::on_v1(std::string_view bytes) {
  lines_.append(bytes);
  const auto line = lines_.next();
  if (!line) {
    if (lines_.overflow()) return Refuse{v1::code::line_too_long, "HELLO line too long"};
    return NeedMore{};
  }
  std::string_view why;
  const auto msg = v1::parse(*line, &why);
  if (!msg) return Refuse{v1::code::bad_frame, std::string(why)};
  if (msg->verb != v1::Verb::hello) return Refuse{v1::code::bad_frame, "HELLO expected"};
  if (msg->number < static_cast<std::uint64_t>(kProtocolVersion) ||
      msg->number > static_cast<std::uint64_t>(kProtocolVersionMax))
    return Refuse{v1::code::bad_version, "this server speaks versions " + std::to_string(kProtocolVersion) + " to " +
                                             std::to_string(kProtocolVersionMax)};
  Hello h;
  h.watcher = msg->watcher;
  h.ring = msg->ring;
  h.name = msg->name;
  h.token = msg->text;
  h.leftover = lines_.pending();
  h.version = static_cast<int>(msg->number);
  h.session = msg->session;
  h.secret = msg->secret;
  h.after = msg->after;
  h.deferred_ack = msg->deferred_ack;
  if (!msg->mode.empty()) h.mode = msg->mode == "lock" ? RingPolicy::lock : RingPolicy::rotation;
  return h;
}

PeerDetector::Verdict PeerDetector::on_legacy(std::string_view bytes, bool more_coming) {
  switch (legacy_.append(bytes, more_coming)) {
    case legacy::MessageReader::Result::incomplete:
      return NeedMore{};
    case legacy::MessageReader::Result::invalid:
      return Refuse{v1::code::bad_frame, legacy_.why()};
    case legacy::MessageReader::Result::complete:
      break;
  }
  auto m = legacy_.take();
  return Legacy{std::move(m.name), std::move(m.payload)};
}

}  // namespace baton

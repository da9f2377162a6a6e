#include "core/legacy_codec.hpp"

namespace baton::legacy {

std::optional<SignalReader::Signal> SignalReader::next() {
  if (state_ != State::ok || buf_.empty()) return std::nullopt;
  for (auto [token, signal] : {std::pair{kGo, Signal::go}, std::pair{kWait, Signal::wait}}) {
    if (buf_.size() >= token.size() && std::string_view(buf_).substr(0, token.size()) == token) {
      buf_.erase(0, token.size());
      return signal;
    }
    if (buf_.size() < token.size() && token.substr(0, buf_.size()) == buf_) return std::nullopt;
  }
  state_ = State::garbage;
  return std::nullopt;
}

MessageReader::Result MessageReader::append(std::string_view bytes, bool more_coming) {
  if (buf_.size() + bytes.size() > kMaxLegacyMessage) {
    why_ = "message longer than 1024 bytes";
    return Result::invalid;
  }
  buf_.append(bytes);
  const auto colon = buf_.find(':');
  const std::string_view name = std::string_view(buf_).substr(0, colon);
  if (!name.empty() && !valid_name(name)) {
    why_ = "name must match [A-Za-z0-9._-]{1,64}";
    return Result::invalid;
  }
  if (colon == std::string::npos || colon + 1 == buf_.size()) {
    if (buf_.size() > kMaxName + 1) {
      why_ = "no ':' after the name";
      return Result::invalid;
    }
    return Result::incomplete;
  }
  if (name.empty()) {
    why_ = "empty name";
    return Result::invalid;
  }
  if (!valid_payload(std::string_view(buf_).substr(colon + 1))) {
    why_ = "control character in payload";
    return Result::invalid;
  }
  return more_coming ? Result::incomplete : Result::complete;
}

MessageReader::Message MessageReader::take() {
  const auto colon = buf_.find(':');
  Message m{buf_.substr(0, colon), buf_.substr(colon + 1)};
  buf_.clear();
  return m;
}

}  // namespace baton::legacy

#include "sse_reader.hpp"

#include <algorithm>
#include <charconv>

namespace baton::ctl {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

bool SseReader::feed(std::string_view bytes, const OnEvent& on_event) {
  if (!started_) {
    // The BOM may itself arrive split; hold the first bytes until they decide.
    partial_.append(bytes);
    if (partial_.size() < kBom.size() && kBom.starts_with(partial_)) return true;
    started_ = true;
    std::string held = std::move(partial_);
    partial_.clear();
    std::string_view rest = held;
    if (rest.starts_with(kBom)) rest.remove_prefix(kBom.size());
    return feed(rest, on_event);
  }
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_)
        throw SseError("an event-stream line longer than " + std::to_string(max_line_) + " bytes");
      partial_.append(bytes);
      return true;
    }
    if (partial_.size() + end > max_line_)
      throw SseError("an event-stream line longer than " + std::to_string(max_line_) + " bytes");
    after_cr_ = bytes[end] == '\r';
    bool go_on;
    if (partial_.empty()) {
      go_on = line(bytes.substr(0, end), on_event);
    } else {
      partial_.append(bytes.substr(0, end));
      const std::string whole = std::move(partial_);
      partial_.clear();
      go_on = line(whole, on_event);
    }
    bytes.remove_prefix(end + 1);
    if (!go_on) return false;
  }
  return true;
}

bool SseReader::line(std::string_view l, const OnEvent& on_event) {
  if (l.empty()) return dispatch(on_event);
  if (l.front() == ':') {
    ++comments_;
    return true;
  }
  const auto colon = l.find(':');
  const std::string_view field = l.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "event") {
    type_.assign(value);
  } else if (field == "data") {
    if (data_.size() + value.size() + 1 > max_event_)
      throw SseError("an event larger than " + std::to_string(max_event_) + " bytes");
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    // The spec ignores an id with a NUL: it could not be sent back in a header.
    if (value.find('\0') == std::string_view::npos) id_buffer_.assign(value);
  } else if (field == "retry") {
    unsigned long ms = 0;
    const auto* first = value.data();
    const auto* last = value.data() + value.size();
    const bool digits = !value.empty() && std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; });
    if (digits && std::from_chars(first, last, ms).ec == std::errc{}) retry_ms_ = ms;
  }
  // Any other field is ignored, as the spec says.
  return true;
}

bool SseReader::dispatch(const OnEvent& on_event) {
  last_id_ = id_buffer_;
  if (!has_data_) {
    // No data: nothing to deliver, but the type does not leak into the next event.
    type_.clear();
    return true;
  }
  SseEvent e;
  if (!type_.empty()) e.event = std::move(type_);
  data_.pop_back();  // the spec drops the last data line's '\n'
  e.data = std::move(data_);
  e.id = last_id_;
  type_.clear();
  data_.clear();
  has_data_ = false;
  return on_event(e);
}

}  // namespace baton::ctl

// Server-Sent Events, as the WHATWG "event stream interpretation" reads them:
// bytes in (split anywhere), events out. No sockets, so it is tested on its own.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace baton::ctl {

struct SseEvent {
  std::string event = "message";  // the spec's default type
  std::string data;               // the data lines joined with '\n'
  std::string id;                 // the last event ID as of this event (it persists)
};

// A line or an event over the bounds: the stream is not one this reader will hold.
class SseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SseReader {
 public:
  static constexpr std::size_t kDefaultMax = std::size_t{1} << 20;  // 1 MiB

  // Returns false to stop: feed() then drops the rest of its input.
  using OnEvent = std::function<bool(const SseEvent&)>;

  explicit SseReader(std::size_t max_line = kDefaultMax, std::size_t max_event = kDefaultMax)
      : max_line_(max_line), max_event_(max_event) {}

  // Consumes bytes, calling on_event for each event completed by them. Returns
  // false if on_event asked to stop. Throws SseError past a bound (after the
  // events before it were delivered).
  bool feed(std::string_view bytes, const OnEvent& on_event);

  // As of the last complete event (a torn one doesn't count): carried over to a
  // reconnection as Last-Event-ID, as a browser does.
  const std::string& last_event_id() const { return last_id_; }
  void set_last_event_id(std::string id) {
    last_id_ = id;
    id_buffer_ = std::move(id);
  }
  // The server's `retry:` in milliseconds, if it sent one.
  std::optional<unsigned long> retry_ms() const { return retry_ms_; }
  std::size_t comments() const { return comments_; }

 private:
  bool line(std::string_view l, const OnEvent& on_event);
  bool dispatch(const OnEvent& on_event);

  std::size_t max_line_;
  std::size_t max_event_;
  std::string partial_;        // a line not yet ended
  bool after_cr_ = false;      // the last byte was '\r': a '\n' next belongs to it
  bool started_ = false;       // past the optional BOM
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::string id_buffer_;  // the id: lines so far; it becomes last_id_ at the blank line
  std::string last_id_;
  std::optional<unsigned long> retry_ms_;
  std::size_t comments_ = 0;
};

}  // namespace baton::ctl

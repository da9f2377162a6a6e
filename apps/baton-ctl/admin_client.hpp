// baton-ctl's HTTP side: requests to a baton-server's admin port (docs/ADMIN.md)
// over Boost.Beast, one request per connection as the server wants it, each
// step under a deadline; and the mapping of what went wrong to an exit code.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace baton::ctl {

struct AdminTarget {
  std::string host = "127.0.0.1";
  std::string port = "9090";
  std::string token;  // empty: no Authorization header
  std::chrono::milliseconds timeout{5000};
  std::string where() const;  // HOST:PORT as the operator wrote it, for messages
};

// Something that ends the command: the sysexits code and the one line that says why.
class CtlError : public std::runtime_error {
 public:
  CtlError(int exit_code, const std::string& what, unsigned http_status = 0)
      : std::runtime_error(what), exit_code_(exit_code), http_status_(http_status) {}
  int exit_code() const { return exit_code_; }
  unsigned http_status() const { return http_status_; }  // 0: no HTTP answer at all

 private:
  int exit_code_;
  unsigned http_status_;
};

// 401/403 EX_NOPERM, 503 EX_UNAVAILABLE, any other EX_SOFTWARE. A 404 or 409
// is EX_SOFTWARE here: only the caller knows when it means "no such ring or
// member" or "not in this ring's state".
int exit_code_for_status(unsigned status);

struct JsonReply {
  std::string body;  // as the server sent it (--json prints it unchanged)
  nlohmann::json json;
};

// How a live event stream ended.
enum class StreamEnd { stopped, closed, idle };

class AdminClient {
 public:
  explicit AdminClient(AdminTarget target);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // GET path; a 200 with a JSON body, or CtlError (unreachable or timed out:
  // 69; a status: exit_code_for_status; a body that is not JSON: 70).
  JsonReply get_json(std::string_view path);
  // POST path (an action: its parameters in the query, no body); otherwise as
  // get_json. Never retried: the action may have been done before an answer was lost.
  JsonReply post_json(std::string_view path);

  // Returns false from on_bytes to stop reading.
  using OnBytes = std::function<bool(std::string_view)>;
  // GET path as text/event-stream (with Last-Event-ID unless empty), and each
  // piece of its body to on_bytes, until the server ends it, idle passes with
  // nothing read, on_bytes returns false (stopped) or a signal came (stopped).
  // CtlError as get_json until the stream's 200.
  StreamEnd stream(std::string_view path, const std::string& last_event_id, std::chrono::milliseconds idle,
                   const OnBytes& on_bytes);

  // From now on SIGINT and SIGTERM end a stream() or a pause() as stopped.
  void stop_on_signals();
  bool stopped() const;
  // Waits d unless a signal comes first; false if it did.
  bool pause(std::chrono::milliseconds d);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  JsonReply request_json(bool post, std::string_view path);
};

}  // namespace baton::ctl

// The v1 wire codec: one message per '\n'-terminated line of space-separated
// fields (docs/PROTOCOL.md). Pure: no sockets, no clocks; used by both the
// server sessions and the client library, each on its own thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/limits.hpp"

namespace baton::v1 {

enum class Verb : std::uint8_t {
  // server -> client
  greeting,  // BATON <version>
  welcome,   // WELCOME <ring> <name> <heartbeat_ms>
  queue,     // QUEUE <position>
  grant,     // GRANT <turn> <timeout_ms>
  ack,       // ACK <turn>
  revoked,   // REVOKED <turn>
  event,     // EVENT <turn> <name> <payload>
  shutdown,  // SHUTDOWN
  error,     // ERROR <code> <text>
  notice,    // NOTICE <code> <text>: news about the ring, never fatal
  session,   // SESSION <session> <secret> <grace_ms> <last_turn>     (HELLO 2 members)
  resumed,   // RESUMED <session> <secret> <grace_ms> <last_turn>     (HELLO 2 members)
  passed,    // PASSED <turn> <name>                                   (HELLO 2 watchers)
  gap,       // GAP <after> <next>                                     (HELLO 2 watchers)
  // client -> server
  hello,     // HELLO <version> <member|watcher> <ring> <name> [<token>]
  send,      // SEND <turn> <payload>
  pass,      // PASS <turn>
  release,   // RELEASE <turn> (the same as PASS)
  acquire,   // ACQUIRE (lock rings)
  // either way
  ping,      // PING <token>
  pong,      // PONG <token>
  bye,       // BYE
};

// A decoded message; which fields are set depends on the verb (see above).
// Views point into the line the message was parsed from.
struct Message {
  Verb verb{};
  std::uint64_t number = 0;   // version, turn, position; RESUMED's last_turn; GAP's after
  std::uint64_t millis = 0;   // timeout_ms, heartbeat_ms, grace_ms
  std::uint64_t next = 0;     // GAP's next
  bool watcher = false;       // HELLO role
  std::string_view ring;      // HELLO, WELCOME
  std::string_view name;      // HELLO, WELCOME, EVENT, PASSED
  std::string_view code;      // ERROR, NOTICE
  std::string_view text;      // payload (SEND, EVENT), token (PING/PONG, HELLO's secret; may be empty), text (ERROR)
  // HELLO 2's key=value fields; SESSION and RESUMED.
  std::string_view session;   // resume=<session>:<secret>; SESSION/RESUMED
  std::string_view secret;
  std::optional<std::uint64_t> after;  // after=<turn> (watchers)
  std::string_view mode;      // mode=rotation|lock ("" = not given)
  bool deferred_ack = false;  // ack=deferred (members)
};

// Error codes the server sends in ERROR lines (docs/PROTOCOL.md).
namespace code {
inline constexpr std::string_view bad_frame = "BAD_FRAME";
inline constexpr std::string_view line_too_long = "LINE_TOO_LONG";
inline constexpr std::string_view bad_version = "BAD_VERSION";
inline constexpr std::string_view name_taken = "NAME_TAKEN";
inline constexpr std::string_view server_full = "SERVER_FULL";
inline constexpr std::string_view hello_timeout = "HELLO_TIMEOUT";
inline constexpr std::string_view idle_timeout = "IDLE_TIMEOUT";
inline constexpr std::string_view not_your_turn = "NOT_YOUR_TURN";
inline constexpr std::string_view stale_turn = "STALE_TURN";
inline constexpr std::string_view not_a_member = "NOT_A_MEMBER";
// --auth-file: no token, or one the file does not know (also a wrong resume secret later)
inline constexpr std::string_view auth_failed = "AUTH_FAILED";
// a known credential without the role for this ring, a name its certificate
// doesn't carry, a ring closed to legacy clients, or a grant withdrawn by a reload
inline constexpr std::string_view forbidden = "FORBIDDEN";
// a per-peer or per-ring bound (the text names its flag)
inline constexpr std::string_view quota = "QUOTA";
// ACQUIRE in a rotation ring; HELLO 2 mode= naming the other mode of the ring
inline constexpr std::string_view wrong_mode = "WRONG_MODE";
// a HELLO (not a resume) for a ring an administrator is draining
inline constexpr std::string_view ring_draining = "RING_DRAINING";
// an administrator removed the member
inline constexpr std::string_view kicked = "KICKED";
// the seat was resumed on another connection
inline constexpr std::string_view session_replaced = "SESSION_REPLACED";
}  // namespace code

// Codes of NOTICE lines: the ring's state changed for a reason the member
// can't see and that may pass by itself. Clients ignore codes they don't know.
namespace notice {
// The server can't write its journal (disk full, I/O error): the ring grants
// nothing and acks nothing until it can; a pending SEND is kept, not lost.
inline constexpr std::string_view journal_stalled = "JOURNAL_STALLED";
inline constexpr std::string_view journal_resumed = "JOURNAL_RESUMED";
// An administrator's actions (docs/ADMIN.md, "Actions"); each text ends "by <who>".
inline constexpr std::string_view ring_paused = "RING_PAUSED";
inline constexpr std::string_view ring_resumed = "RING_RESUMED";
inline constexpr std::string_view ring_draining = "RING_DRAINING";
inline constexpr std::string_view ring_changed = "RING_CHANGED";
inline constexpr std::string_view member_skipped = "MEMBER_SKIPPED";
inline constexpr std::string_view member_kicked = "MEMBER_KICKED";
}  // namespace notice

// The optional fields of HELLO 2 (docs/PROTOCOL.md, "HELLO 2").
struct HelloOptions {
  std::string_view token;           // "" = none
  std::string_view session;         // resume=<session>:<secret> when both set
  std::string_view secret;
  std::optional<std::uint64_t> after;  // watchers: replay sends after this turn
  std::string_view mode;            // "rotation", "lock" or "" (not given)
  bool deferred_ack = false;        // ack=deferred: a pipelining member
};

// A session id or secret as SESSION sends them: n lowercase hex digits.
bool valid_hex(std::string_view s, std::size_t n) noexcept;

// Parses one line (without its '\n'; a trailing '\r' is tolerated). On failure
// returns nullopt and sets *why to a short reason for the ERROR text.
std::optional<Message> parse(std::string_view line, std::string_view* why = nullptr);

// Encoders append one complete line to out, so that several messages for one
// peer can be coalesced into a single write.
void put_greeting(std::string& out);
void put_welcome(std::string& out, std::string_view ring, std::string_view name, std::uint64_t heartbeat_ms);
void put_queue(std::string& out, std::uint64_t position);
void put_grant(std::string& out, std::uint64_t turn, std::uint64_t timeout_ms);
void put_ack(std::string& out, std::uint64_t turn);
void put_revoked(std::string& out, std::uint64_t turn);
void put_event(std::string& out, std::uint64_t turn, std::string_view name, std::string_view payload);
void put_shutdown(std::string& out);
void put_error(std::string& out, std::string_view code, std::string_view text);
void put_notice(std::string& out, std::string_view code, std::string_view text);
// token: the --auth-file secret, or empty for none.
void put_hello(std::string& out, bool watcher, std::string_view ring, std::string_view name,
               std::string_view token = {});
// HELLO 2 with its key=value fields.
void put_hello2(std::string& out, bool watcher, std::string_view ring, std::string_view name,
                const HelloOptions& options);
void put_session(std::string& out, std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                 std::uint64_t last_turn);
void put_resumed(std::string& out, std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                 std::uint64_t last_turn);
void put_passed(std::string& out, std::uint64_t turn, std::string_view name);
void put_gap(std::string& out, std::uint64_t after, std::uint64_t next);
void put_send(std::string& out, std::uint64_t turn, std::string_view payload);
void put_pass(std::string& out, std::uint64_t turn);
void put_release(std::string& out, std::uint64_t turn);
void put_acquire(std::string& out);
void put_ping(std::string& out, std::string_view token);
void put_pong(std::string& out, std::string_view token);
void put_bye(std::string& out);

// Splits a byte stream into lines, bounded by max_line (including '\n').
// Thread: owned by one session/client.
class LineReader {
 public:
  explicit LineReader(std::size_t max_line = kMaxLine) : max_line_(max_line) {}

  void append(std::string_view bytes) { buf_.append(bytes); }
  // Returns the next complete line (without '\n'), valid until the next call
  // to next()/append(). nullopt: need more bytes, or overflow() is now true.
  std::optional<std::string_view> next();
  // True once a line longer than max_line was seen; the stream is unusable.
  bool overflow() const noexcept { return overflow_; }
  // Bytes received but not yet returned as lines.
  std::string_view pending() const noexcept { return std::string_view(buf_).substr(pos_); }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t max_line_;
  bool overflow_ = false;
};

}  // namespace baton::v1

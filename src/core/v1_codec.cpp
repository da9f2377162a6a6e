#include "core/v1_codec.hpp"

#include <array>
#include <charconv>

#include "core/auth.hpp"

namespace baton::v1 {
namespace {

// Splits off the next space-delimited field; the rest stays in s.
std::string_view field(std::string_view& s) {
  const auto sp = s.find(' ');
  std::string_view f = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
  return f;
}

bool number(std::string_view f, std::uint64_t& out) {
  if (f.empty() || f.size() > 20) return false;  // from_chars reports what overflows u64
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), out);
  return ec == std::errc{} && p == f.data() + f.size();
}

void put_u64(std::string& out, std::uint64_t v) {
  std::array<char, 20> b{};
  auto [p, ec] = std::to_chars(b.data(), b.data() + b.size(), v);
  (void)ec;
  out.append(b.data(), p);
}

std::optional<Message> fail(std::string_view* why, std::string_view reason) {
  if (why) *why = reason;
  return std::nullopt;
}

// HELLO 2's fields after the name: key=value, each key at most once.
// Returns why they are bad, or "" if they are fine.
std::string_view hello_options(std::string_view rest, Message& m) {
  bool seen_token = false, seen_resume = false, seen_mode = false, seen_ack = false;
  while (!rest.empty()) {
    const std::string_view f = field(rest);
    const auto eq = f.find('=');
    if (eq == std::string_view::npos || eq == 0) return "HELLO 2 fields are key=value";
    const std::string_view key = f.substr(0, eq), value = f.substr(eq + 1);
    if (key == "token") {
      if (seen_token || !auth::valid_token(value)) return "token= is 1 to 256 printable characters, once";
      seen_token = true;
      m.text = value;
    } else if (key == "resume") {
      const auto colon = value.find(':');
      if (seen_resume || m.watcher || colon == std::string_view::npos) return "resume=<session>:<secret>, members only";
      m.session = value.substr(0, colon);
      m.secret = value.substr(colon + 1);
      if (!valid_hex(m.session, kSessionIdChars) || !valid_hex(m.secret, kSessionSecretChars))
        return "resume=<16 hex digits>:<32 hex digits>";
      seen_resume = true;
    } else if (key == "after") {
      std::uint64_t turn = 0;
      if (m.after || !m.watcher || !number(value, turn)) return "after=<turn>, watchers only, once";
      m.after = turn;
    } else if (key == "mode") {
      if (seen_mode || m.watcher || (value != "rotation" && value != "lock")) return "mode=rotation|lock, members only";
      seen_mode = true;
      m.mode = value;
    } else if (key == "ack") {
      if (seen_ack || m.watcher || value != "deferred") return "ack=deferred, members only";
      seen_ack = true;
      m.deferred_ack = true;
    } else {
      return "unknown HELLO 2 field";
    }
  }
  return {};
}

}  // namespace

bool valid_hex(std::string_view s, std::size_t n) noexcept {
  if (s.size() != n) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<Message> parse(std::string_view line, std::string_view* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  const std::string_view verb = field(rest);
  Message m;
  auto want_number = [&](std::uint64_t& out) { return number(field(rest), out); };
  auto done = [&]() { return rest.empty(); };

  if (verb == "SEND" || verb == "EVENT") {
    m.verb = verb == "SEND" ? Verb::send : Verb::event;
    if (!want_number(m.number)) return fail(why, "turn number expected");
    if (m.verb == Verb::event && !valid_name(m.name = field(rest))) return fail(why, "bad name");
    if (!valid_payload(rest)) return fail(why, "control character in payload");
    m.text = rest;
    return m;
  }
  if (verb == "ACK" || verb == "REVOKED" || verb == "QUEUE" || verb == "BATON") {
    m.verb = verb == "ACK" ? Verb::ack : verb == "REVOKED" ? Verb::revoked
           : verb == "QUEUE" ? Verb::queue : Verb::greeting;
    if (!want_number(m.number) || !done()) return fail(why, "one number expected");
    return m;
  }
  if (verb == "GRANT") {
    m.verb = Verb::grant;
    if (!want_number(m.number) || !want_number(m.millis) || !done())
      return fail(why, "GRANT <turn> <timeout_ms> expected");
    return m;
  }
  if (verb == "HELLO") {
    m.verb = Verb::hello;
    if (!want_number(m.number)) return fail(why, "HELLO <version> <role> <ring> <name> expected");
    const auto role = field(rest);
    if (role != "member" && role != "watcher") return fail(why, "role must be member or watcher");
    m.watcher = role == "watcher";
    m.ring = field(rest);
    m.name = field(rest);
    if (!valid_name(m.ring) || !valid_name(m.name))
      return fail(why, "ring and name must match [A-Za-z0-9._-]{1,64}");
    if (m.number >= 2) {
      if (const auto bad = hello_options(rest, m); !bad.empty()) return fail(why, bad);
      return m;
    }
    if (!done()) {
      m.text = field(rest);
      if (!auth::valid_token(m.text) || !done()) return fail(why, "a token is 1 to 256 printable characters, no spaces");
    }
    return m;
  }
  if (verb == "PASS" || verb == "RELEASE" || verb == "PASSED") {
    m.verb = verb == "PASS" ? Verb::pass : verb == "RELEASE" ? Verb::release : Verb::passed;
    if (!want_number(m.number)) return fail(why, "turn number expected");
    if (m.verb == Verb::passed && !valid_name(m.name = field(rest))) return fail(why, "bad name");
    if (!done()) return fail(why, "PASS/RELEASE <turn> or PASSED <turn> <name> expected");
    return m;
  }
  if (verb == "ACQUIRE") {
    m.verb = Verb::acquire;
    if (!done()) return fail(why, "no arguments expected");
    return m;
  }
  if (verb == "SESSION" || verb == "RESUMED") {
    m.verb = verb == "SESSION" ? Verb::session : Verb::resumed;
    m.session = field(rest);
    m.secret = field(rest);
    if (!valid_hex(m.session, kSessionIdChars) || !valid_hex(m.secret, kSessionSecretChars) ||
        !want_number(m.millis) || !want_number(m.number) || !done())
      return fail(why, "SESSION|RESUMED <session> <secret> <grace_ms> <last_turn> expected");
    return m;
  }
  if (verb == "GAP") {
    m.verb = Verb::gap;
    if (!want_number(m.number) || !want_number(m.next) || !done()) return fail(why, "GAP <after> <next> expected");
    return m;
  }
  if (verb == "WELCOME") {
    m.verb = Verb::welcome;
    m.ring = field(rest);
    m.name = field(rest);
    if (!valid_name(m.ring) || !valid_name(m.name) || !want_number(m.millis) || !done())
      return fail(why, "WELCOME <ring> <name> <heartbeat_ms> expected");
    return m;
  }
  if (verb == "PING" || verb == "PONG") {
    m.verb = verb == "PING" ? Verb::ping : Verb::pong;
    if (!valid_payload(rest)) return fail(why, "control character in token");
    m.text = rest;
    return m;
  }
  if (verb == "BYE" || verb == "SHUTDOWN") {
    m.verb = verb == "BYE" ? Verb::bye : Verb::shutdown;
    if (!done()) return fail(why, "no arguments expected");
    return m;
  }
  if (verb == "ERROR" || verb == "NOTICE") {
    m.verb = verb == "ERROR" ? Verb::error : Verb::notice;
    m.code = field(rest);
    // The code is shown to users as is (Error::code(), baton-client's stderr),
    // so it is held to the payload's rule, like the text after it.
    if (m.code.empty() || !valid_payload(m.code) || !valid_payload(rest))
      return fail(why, "<code> <text> expected");
    m.text = rest;
    return m;
  }
  return fail(why, "unknown verb");
}

void put_greeting(std::string& out) {
  out += "BATON ";
  put_u64(out, static_cast<std::uint64_t>(kProtocolVersion));
  out += '\n';
}
void put_welcome(std::string& out, std::string_view ring, std::string_view name, std::uint64_t heartbeat_ms) {
  out.append("WELCOME ").append(ring).append(" ").append(name).append(" ");
  put_u64(out, heartbeat_ms);
  out += '\n';
}
void put_queue(std::string& out, std::uint64_t position) {
  out += "QUEUE ";
  put_u64(out, position);
  out += '\n';
}
void put_grant(std::string& out, std::uint64_t turn, std::uint64_t timeout_ms) {
  out += "GRANT ";
  put_u64(out, turn);
  out += ' ';
  put_u64(out, timeout_ms);
  out += '\n';
}
void put_ack(std::string& out, std::uint64_t turn) {
  out += "ACK ";
  put_u64(out, turn);
  out += '\n';
}
void put_revoked(std::string& out, std::uint64_t turn) {
  out += "REVOKED ";
  put_u64(out, turn);
  out += '\n';
}
void put_event(std::string& out, std::uint64_t turn, std::string_view name, std::string_view payload) {
  out += "EVENT ";
  put_u64(out, turn);
  out.append(" ").append(name).append(" ").append(payload);
  out += '\n';
}
void put_shutdown(std::string& out) { out += "SHUTDOWN\n"; }
void put_error(std::string& out, std::string_view code, std::string_view text) {
  out.append("ERROR ").append(code).append(" ").append(text);
  out += '\n';
}
void put_notice(std::string& out, std::string_view code, std::string_view text) {
  out.append("NOTICE ").append(code).append(" ").append(text);
  out += '\n';
}
void put_hello(std::string& out, bool watcher, std::string_view ring, std::string_view name, std::string_view token) {
  out += "HELLO ";
  put_u64(out, static_cast<std::uint64_t>(kProtocolVersion));
  out.append(watcher ? " watcher " : " member ").append(ring).append(" ").append(name);
  if (!token.empty()) out.append(" ").append(token);
  out += '\n';
}
void put_hello2(std::string& out, bool watcher, std::string_view ring, std::string_view name,
                const HelloOptions& o) {
  out += "HELLO ";
  put_u64(out, static_cast<std::uint64_t>(kProtocolVersionMax));
  out.append(watcher ? " watcher " : " member ").append(ring).append(" ").append(name);
  if (!o.token.empty()) out.append(" token=").append(o.token);
  if (!o.session.empty() && !o.secret.empty()) out.append(" resume=").append(o.session).append(":").append(o.secret);
  if (o.after) {
    out += " after=";
    put_u64(out, *o.after);
  }
  if (!o.mode.empty()) out.append(" mode=").append(o.mode);
  if (o.deferred_ack) out.append(" ack=deferred");
  out += '\n';
}
void put_session(std::string& out, std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                 std::uint64_t last_turn) {
  out.append("SESSION ").append(session).append(" ").append(secret).append(" ");
  put_u64(out, grace_ms);
  out += ' ';
  put_u64(out, last_turn);
  out += '\n';
}
void put_resumed(std::string& out, std::string_view session, std::string_view secret, std::uint64_t grace_ms,
                 std::uint64_t last_turn) {
  out.append("RESUMED ").append(session).append(" ").append(secret).append(" ");
  put_u64(out, grace_ms);
  out += ' ';
  put_u64(out, last_turn);
  out += '\n';
}
void put_passed(std::string& out, std::uint64_t turn, std::string_view name) {
  out += "PASSED ";
  put_u64(out, turn);
  out.append(" ").append(name);
  out += '\n';
}
void put_gap(std::string& out, std::uint64_t after, std::uint64_t next) {
  out += "GAP ";
  put_u64(out, after);
  out += ' ';
  put_u64(out, next);
  out += '\n';
}
void put_pass(std::string& out, std::uint64_t turn) {
  out += "PASS ";
  put_u64(out, turn);
  out += '\n';
}
void put_release(std::string& out, std::uint64_t turn) {
  out += "RELEASE ";
  put_u64(out, turn);
  out += '\n';
}
void put_acquire(std::string& out) { out += "ACQUIRE\n"; }
void put_send(std::string& out, std::uint64_t turn, std::string_view payload) {
  out += "SEND ";
  put_u64(out, turn);
  out.append(" ").append(payload);
  out += '\n';
}
void put_ping(std::string& out, std::string_view token) { out.append("PING ").append(token) += '\n'; }
void put_pong(std::string& out, std::string_view token) { out.append("PONG ").append(token) += '\n'; }
void put_bye(std::string& out) { out += "BYE\n"; }

std::optional<std::string_view> LineReader::next() {
  if (overflow_) return std::nullopt;
  if (pos_ == buf_.size()) {  // everything consumed: reuse the buffer from the start
    buf_.clear();
    pos_ = 0;
    return std::nullopt;
  }
  const auto nl = buf_.find('\n', pos_);
  if (nl == std::string::npos) {
    if (pos_ > 0) {  // keep the partial line at the front so the buffer stays bounded
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    if (buf_.size() >= max_line_) overflow_ = true;
    return std::nullopt;
  }
  if (nl - pos_ + 1 > max_line_) {
    overflow_ = true;
    return std::nullopt;
  }
  std::string_view line(buf_.data() + pos_, nl - pos_);
  pos_ = nl + 1;
  return line;
}

}  // namespace baton::v1

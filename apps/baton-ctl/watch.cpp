#include "watch.hpp"

#include <sysexits.h>

#include <algorithm>
#include <string>

#include "render.hpp"
#include "sse_reader.hpp"

namespace baton::ctl {

namespace {

// The server sends `: ping` after 15 s without news: three missed pings is a dead stream.
constexpr std::chrono::seconds kSilence{45};
// Reconnections in a row that bring no turn: past this, the stream is not coming back.
constexpr int kMaxReconnects = 5;
constexpr unsigned long kDefaultRetryMs = 1000;

std::chrono::milliseconds retry_delay(const SseReader& r, unsigned long fallback) {
  // The server's retry: is honoured, within reason: no hammering, no sleeping for hours.
  const unsigned long ms = r.retry_ms().value_or(fallback);
  return std::chrono::milliseconds(std::clamp(ms, 100ul, 10'000ul));
}

}  // namespace

int run_watch(AdminClient& admin, const CtlOptions& o, std::ostream& out, std::ostream& err) {
  admin.stop_on_signals();
  const std::string path = "/events?ring=" + o.ring;
  // Resuming is by turn number (docs/ADMIN.md): the id of the last `turn`
  // event, not of a `ring` state message, which may be ahead of the events.
  std::string last_turn;
  std::uint64_t turns = 0;
  int failures = 0;
  unsigned long retry_ms = kDefaultRetryMs;
  for (bool first = true;; first = false) {
    SseReader reader;
    bool progressed = false;
    bool done = false;
    std::string why;
    StreamEnd end = StreamEnd::closed;
    const auto on_event = [&](const SseEvent& e) {
      const auto line = o.json ? render_watch_json(e) : render_watch_event(e);
      if (!line.empty()) out << line << std::endl;  // flushed: someone is reading live
      if (e.event != "turn") return true;
      last_turn = e.id;
      progressed = true;
      done = o.count != 0 && ++turns >= o.count;
      return !done;
    };
    try {
      end = admin.stream(path, last_turn, kSilence, [&](std::string_view bytes) { return reader.feed(bytes, on_event); });
      why = end == StreamEnd::idle ? "was silent for 45s" : "was closed by the server";
    } catch (const SseError& e) {
      throw CtlError(EX_SOFTWARE, std::string("the event stream: ") + e.what());
    } catch (const CtlError& e) {
      // Unreachable at the start is an answer; after a drop it may be a restart.
      if (first || e.exit_code() != EX_UNAVAILABLE || e.http_status() != 0) throw;
      why = std::string("could not be reopened: ") + e.what();
    }
    if (done || end == StreamEnd::stopped || admin.stopped()) return EX_OK;
    retry_ms = retry_delay(reader, retry_ms).count();
    failures = progressed ? 1 : failures + 1;
    if (failures > kMaxReconnects)
      throw CtlError(EX_UNAVAILABLE, "the event stream of ring " + o.ring + " " + why + "; gave up after " +
                                         std::to_string(kMaxReconnects) + " reconnections");
    err << "baton-ctl: the event stream " << why << "; reconnecting in " << retry_ms << "ms"
        << (last_turn.empty() ? "" : " after turn " + last_turn) << std::endl;
    if (!admin.pause(std::chrono::milliseconds(retry_ms))) return EX_OK;
  }
}

}  // namespace baton::ctl

// PeerDetector, driven like the listener drives it: reads (with more_coming)
// and quiet timer firings, in any order. Input: [config][4 split bytes][stream].
// config bit 0: legacy allowed; bit 1: a small max_line; bits 2-5: the quiet
// timer fires before read i when bit 2 + i % 4 is set.
// Properties: a probe only answers quiet, once, before anything was heard
// and only with legacy allowed; a Legacy verdict only after the probe, and
// it is exactly the bytes heard; a Hello is exactly a version-1 HELLO line
// plus the leftover bytes; a refusal carries a handshake error code.
#include <string>
#include <variant>

#include "core/peer_detector.hpp"
#include "fuzz_util.hpp"

using namespace baton;
using D = PeerDetector;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool legacy_allowed = data[0] & 1;
  const std::size_t max_line = (data[0] & 2) ? 24 : kMaxLine;
  D d(max_line, legacy_allowed);
  fuzz::Reads reads(data + 1, size - 1);
  std::string heard;
  std::string_view read;
  bool more = false;
  for (;;) {
    if (data[0] & (4u << (reads.index() % 4))) {
      const bool was_probed = d.probed();
      const bool could_probe = legacy_allowed && !d.heard() && !was_probed;
      const auto q = d.on_quiet();
      FUZZ_CHECK(std::holds_alternative<D::Probe>(q) == could_probe);
      FUZZ_CHECK(std::holds_alternative<D::Probe>(q) || std::holds_alternative<D::NeedMore>(q));
      FUZZ_CHECK(d.probed() == (was_probed || could_probe));
    }
    if (!reads.next(read, more)) return 0;
    heard.append(read);
    const auto v = d.on_bytes(read, more);
    FUZZ_CHECK(d.heard() && !std::holds_alternative<D::Probe>(v));
    if (std::holds_alternative<D::NeedMore>(v)) continue;
    if (const auto* h = std::get_if<D::Hello>(&v)) {
      const auto nl = heard.find('\n');
      FUZZ_CHECK(nl != heard.npos && nl + 1 <= max_line && heard.substr(nl + 1) == h->leftover);
      const auto m = v1::parse(std::string_view(heard).substr(0, nl));
      FUZZ_CHECK(m && m->verb == v1::Verb::hello && m->number >= static_cast<std::uint64_t>(kProtocolVersion) &&
                 m->number <= static_cast<std::uint64_t>(kProtocolVersionMax));
      FUZZ_CHECK(static_cast<std::uint64_t>(h->version) == m->number);
      FUZZ_CHECK(m->watcher == h->watcher && m->ring == h->ring && m->name == h->name);
      FUZZ_CHECK(m->session == h->session && m->secret == h->secret && m->after == h->after);
      FUZZ_CHECK(h->session.empty() || (!h->watcher && v1::valid_hex(h->session, kSessionIdChars)));
    } else if (const auto* l = std::get_if<D::Legacy>(&v)) {
      FUZZ_CHECK(legacy_allowed && d.probed() && !more);
      FUZZ_CHECK(valid_name(l->name) && !l->payload.empty() && l->name + ':' + l->payload == heard);
    } else {
      const auto& r = std::get<D::Refuse>(v);
      FUZZ_CHECK(r.code == v1::code::bad_frame || r.code == v1::code::line_too_long ||
                 r.code == v1::code::bad_version);
      FUZZ_CHECK(!r.text.empty());
    }
    return 0;  // any verdict ends the handshake
  }
}

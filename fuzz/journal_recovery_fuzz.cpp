// libFuzzer target: any bytes as a journal segment. The scanner and the body
// parser must never read out of bounds, and what they return must describe
// the input exactly: records and damaged ranges tile it, each record is
// re-encoded to the very bytes it was read from, and a parsed body is
// re-encoded to itself (so recovery's floor comes only from canonical records).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/journal_codec.hpp"
#include "core/journal_port.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void check_body(std::string_view body) {
  using baton::journal::Body;
  const Body b = baton::journal::parse_body(body);
  if (b.kind == Body::Kind::send) {
    require(b.number < baton::kMaxTurn);
    require(baton::journal::send_body(b.ring, b.number, b.name, b.payload) == body);
  } else if (b.kind == Body::Kind::reserve) {
    require(b.number < baton::kMaxTurn);
    require(baton::journal::reserve_body(b.number) == body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view seg(reinterpret_cast<const char*>(data), size);
  (void)baton::journal::check_header(seg);
  const std::size_t from = baton::journal::kHeaderBytes;
  const auto scan = baton::journal::scan(seg, from);

  // Records and gaps, in offset order, cover [from, size) with no hole or overlap.
  std::size_t at = std::min(from, size);
  auto frame = scan.frames.begin();
  auto gap = scan.gaps.begin();
  while (frame != scan.frames.end() || gap != scan.gaps.end()) {
    if (frame != scan.frames.end() && frame->offset == at) {
      require(frame->body.size() <= baton::journal::kMaxRecordBytes);
      require(frame->end() <= size);
      require(frame->body.data() == seg.data() + at + baton::journal::kFrameBytes);
      std::string again;
      baton::journal::append_record(again, frame->body);
      require(seg.substr(at, again.size()) == again);
      check_body(frame->body);
      at = frame->end();
      ++frame;
    } else {
      require(gap != scan.gaps.end() && gap->offset == at && gap->length > 0);
      at += gap->length;
      ++gap;
    }
    require(at <= size);
  }
  require(at == size);

  using V = baton::journal::Scan::Verdict;
  require((scan.verdict == V::clean) == scan.gaps.empty());
  if (!scan.gaps.empty()) {
    require(scan.damage_at == scan.gaps.front().offset);
    const bool after = !scan.frames.empty() && scan.frames.back().offset > scan.damage_at;
    require((scan.verdict == V::damaged_middle) == after);
  }
  return 0;
}

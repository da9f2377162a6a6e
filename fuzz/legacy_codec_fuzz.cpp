// The seed's unframed bytes. Input: [4 split bytes][stream]; a split byte's
// high bit is the read's more_coming flag.
// SignalReader: the same signals and state however the reads split the
// stream; the signals spell a prefix of it, followed by a proper prefix of
// GO/WAIT (state ok) or by bytes that are neither (garbage, and nothing more
// comes out, whatever is appended).
// MessageReader: a complete message is exactly the bytes since the last one,
// NAME ':' PAYLOAD within kMaxLegacyMessage, never while more_coming; it is
// refused only when no further bytes could make it valid.
#include <string>
#include <vector>

#include "core/legacy_codec.hpp"
#include "fuzz_util.hpp"

using namespace baton;
using legacy::MessageReader;
using legacy::SignalReader;

namespace {

bool prefix_of(std::string_view s, std::string_view token) { return token.substr(0, s.size()) == s; }

// Some continuation of msg (given more bytes) is a message the reader must take.
bool could_become_valid(std::string_view msg) {
  if (msg.size() > kMaxLegacyMessage) return false;
  const auto colon = msg.find(':');
  const auto name = msg.substr(0, colon);
  if (colon == msg.npos) return name.size() < kMaxName + 1 && (name.empty() || valid_name(name));
  return valid_name(name) && valid_payload(msg.substr(colon + 1));
}

void signals(fuzz::Reads reads) {
  SignalReader whole, split;
  std::vector<SignalReader::Signal> want, got;
  whole.append(reads.body());
  while (auto s = whole.next()) want.push_back(*s);
  std::string_view read;
  bool flag = false;
  while (reads.next(read, flag)) {
    const bool dead = split.state() == SignalReader::State::garbage;
    split.append(read);
    while (auto s = split.next()) {
      FUZZ_CHECK(!dead);
      got.push_back(*s);
    }
  }
  FUZZ_CHECK(got == want && split.state() == whole.state());
  std::string_view rest = reads.body();
  for (auto s : got) {
    const auto token = s == SignalReader::Signal::go ? legacy::kGo : legacy::kWait;
    FUZZ_CHECK(rest.substr(0, token.size()) == token);
    rest.remove_prefix(token.size());
  }
  const bool tail = rest.size() < legacy::kWait.size() && (prefix_of(rest, legacy::kGo) || prefix_of(rest, legacy::kWait));
  FUZZ_CHECK(tail == (split.state() == SignalReader::State::ok));
}

void messages(fuzz::Reads reads) {
  MessageReader reader;
  std::string msg;  // bytes since the last complete or refused message
  std::string_view read;
  bool more = false;
  while (reads.next(read, more)) {
    msg.append(read);
    switch (reader.append(read, more)) {
      case MessageReader::Result::complete: {
        FUZZ_CHECK(!more && msg.size() <= kMaxLegacyMessage);
        const auto m = reader.take();
        FUZZ_CHECK(valid_name(m.name) && !m.payload.empty() && valid_payload(m.payload));
        FUZZ_CHECK(m.name + ':' + m.payload == msg);
        msg.clear();
        break;
      }
      case MessageReader::Result::incomplete:
        FUZZ_CHECK(more || msg.find(':') == msg.npos || msg.find(':') + 1 == msg.size());
        FUZZ_CHECK(msg.size() <= kMaxLegacyMessage);
        break;
      case MessageReader::Result::invalid:
        FUZZ_CHECK(!could_become_valid(msg) && *reader.why() != '\0');
        reader = MessageReader{};  // the listener refuses that peer; start a new one
        msg.clear();
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  signals(fuzz::Reads(data, size));
  messages(fuzz::Reads(data, size));
  return 0;
}

// Shared by the fuzz targets: splitting one input into the reads a socket
// could have delivered, and a check that still fires in a release build.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// assert() is compiled out under NDEBUG (the fuzz preset is RelWithDebInfo);
// abort() is what libFuzzer turns into a saved crash input.
#define FUZZ_CHECK(cond)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

namespace baton::fuzz {

// The input is [kSplitBytes split bytes][body]. Split byte i, used for reads
// i, i+4, i+8, ...: low 7 bits + 1 = the read's size, high bit = a flag (e.g.
// "more_coming"). Keeping the splits apart from the body lets the fuzzer
// move a read boundary without changing a byte of the stream.
class Reads {
 public:
  static constexpr std::size_t kSplitBytes = 4;

  Reads(const std::uint8_t* data, std::size_t size) {
    const std::size_t n = size < kSplitBytes ? size : kSplitBytes;
    splits_ = std::string_view(reinterpret_cast<const char*>(data), n);
    body_ = std::string_view(reinterpret_cast<const char*>(data) + n, size - n);
  }

  std::string_view body() const noexcept { return body_; }

  // The next read and its flag; false once the body is used up.
  bool next(std::string_view& read, bool& flag) {
    if (pos_ == body_.size()) return false;
    std::size_t len = body_.size() - pos_;
    flag = false;
    if (!splits_.empty()) {
      const auto b = static_cast<std::uint8_t>(splits_[index_++ % splits_.size()]);
      len = std::min<std::size_t>(len, (b & 0x7F) + 1u);
      flag = (b & 0x80) != 0;
    }
    read = body_.substr(pos_, len);
    pos_ += len;
    return true;
  }
  bool last() const noexcept { return pos_ == body_.size(); }
  std::size_t index() const noexcept { return index_; }

 private:
  std::string_view splits_;
  std::string_view body_;
  std::size_t pos_ = 0;
  std::size_t index_ = 0;
};

}  // namespace baton::fuzz

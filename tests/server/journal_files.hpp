// What the journal tests share: a temporary directory, and segments built and
// damaged byte by byte.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "core/journal_codec.hpp"

namespace baton::server::test {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int seq = 0;
    path_ = fs::temp_directory_path() /
            ("baton-journal-test-" + std::to_string(::getpid()) + "-" + std::to_string(seq++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void spill(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// A segment: the header, then each body framed.
inline std::string segment(std::initializer_list<std::string> bodies) {
  std::string s = journal::encode_header();
  for (const auto& b : bodies) journal::append_record(s, b);
  return s;
}

// Offset of the i-th record of a clean segment.
inline std::size_t record_offset(const std::string& seg, std::size_t i) {
  return journal::scan(seg).frames.at(i).offset;
}

}  // namespace baton::server::test

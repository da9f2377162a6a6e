// Helpers for tests that expect a baton::Error.
#pragma once

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "baton/client.hpp"

namespace baton::test {

// Runs call, which must throw Error of kind; returns its message.
inline std::string error_of(const std::function<void()>& call, Error::Kind kind, const std::string& code = "") {
  try {
    call();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  return "";
}

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace baton::test

// baton-client --token-file: the token is the file's first line, so that the
// secret stays out of argv (visible to every user in ps and /proc).
#pragma once

#include <optional>
#include <string>

namespace baton::cli {

// The first line of the file at path, trailing whitespace (the newline an
// editor adds, a '\r') stripped. nullopt with *why set if the file can't be
// read, or its first line is empty or too long to be a token.
std::optional<std::string> read_token_file(const std::string& path, std::string* why);

}  // namespace baton::cli

// Parsing of human durations for flags such as --interval and --turn-timeout.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace baton {

// Accepts plain seconds ("1", "0.1", "0") or a number with a unit
// ("100ms", "1.5s", "2m", "250us"). Returns nullopt for anything else,
// including negative values.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

}  // namespace baton

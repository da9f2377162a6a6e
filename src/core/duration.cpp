#include "core/duration.hpp"

#include <charconv>
#include <cmath>

namespace baton {

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr == first) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(last - ptr));
  double scale = 0;  // microseconds per unit
  if (unit.empty() || unit == "s") scale = 1e6;
  else if (unit == "ms") scale = 1e3;
  else if (unit == "us") scale = 1;
  else if (unit == "m") scale = 60e6;
  else return std::nullopt;
  const double us = value * scale;
  if (!std::isfinite(us) || us < 0 || us > 1e15) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(std::llround(us)));
}

}  // namespace baton

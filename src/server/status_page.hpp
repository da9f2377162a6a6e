// The live status page (src/server/status_page.html), compiled into the
// binary by CMake (status_page.cpp is generated from the HTML): one
// self-contained page, no CDN, nothing to build or install beside the server.
#pragma once

#include <string_view>

namespace baton::server {

extern const std::string_view kStatusPage;

}  // namespace baton::server

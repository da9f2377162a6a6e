// A minimal HTTP/1.1 GET over loopback for the admin port: one request per
// connection, as the server answers (Connection: close), so the time measured
// is what a scraper pays: connect, request, the whole body, close.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace baton::bench {

struct HttpResponse {
  int status = 0;        // 0: no parsable status line
  std::string body;
  std::int64_t elapsed_ns = 0;  // connect() to the end of the body
};

// Throws std::runtime_error on a socket error, a timeout, or a response cut short.
HttpResponse http_get(std::uint16_t port, const std::string& target,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace baton::bench

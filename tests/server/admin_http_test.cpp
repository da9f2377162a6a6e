// The admin HTTP port over a real socket: /livez, /readyz (200, then 503
// while draining), 404, and a garbage request that does not hurt it.
#include "server/admin_http.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace baton::server {
namespace {

std::string get(std::uint16_t port, const std::string& request) {
  asio::io_context ctx;
  tcp::socket s(ctx);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  for (;;) {
    char b[512];
    const auto n = s.read_some(asio::buffer(b), ec);
    if (ec) break;
    out.append(b, n);
  }
  return out;
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

TEST(AdminHttp, LivezReadyzAndDraining) {
  asio::io_context ctx;
  std::atomic<bool> ready{true};
  AdminHttp admin(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), [&] { return ready.load(); });
  admin.start();
  std::thread t([&] { ctx.run(); });
  const auto port = admin.port();
  EXPECT_EQ(status_line(get(port, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(status_line(get(port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")), "HTTP/1.1 200 OK");
  ready = false;  // the server started draining
  const auto draining = get(port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_line(draining), "HTTP/1.1 503 Service Unavailable");
  EXPECT_NE(draining.find("draining"), std::string::npos);
  EXPECT_EQ(status_line(get(port, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")), "HTTP/1.1 200 OK")
      << "still alive while draining";
  EXPECT_EQ(status_line(get(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(get(port, "\x01\x02 garbage\r\n\r\n"), "") << "malformed: closed without an answer";
  EXPECT_EQ(status_line(get(port, "GET /livez HTTP/1.0\r\n\r\n")), "HTTP/1.0 200 OK") << "and it still serves";
  asio::post(ctx, [&] { admin.stop(); });
  ctx.stop();
  t.join();
}

}  // namespace
}  // namespace baton::server

#include "server/farewell.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "core/v1_codec.hpp"

namespace baton::server {

using namespace asio::experimental::awaitable_operators;

asio::awaitable<void> refuse(Link link, std::string_view code, std::string text) {
  std::string err;
  v1::put_error(err, code, text);
  asio::steady_timer deadline(link.socket().get_executor(), kLinger);
  auto wrote = co_await (link.async_write_all(asio::buffer(err), use_tuple) || deadline.async_wait(use_tuple));
  if (wrote.index() == 0 && !std::get<0>(std::get<0>(wrote))) {
    link.shutdown_send();
    std::array<char, 512> sink{};
    for (;;) {
      auto r = co_await (link.async_read_some(asio::buffer(sink), use_tuple) || deadline.async_wait(use_tuple));
      if (r.index() == 1) break;  // linger over
      auto [rec, n] = std::get<0>(r);
      if (rec || n == 0) break;  // the peer closed: it has read what it wanted
    }
  }
  link.close();
}

void refuse_now(int fd, std::string_view line) {
  (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace baton::server

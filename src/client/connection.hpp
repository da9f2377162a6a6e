// Blocking TCP transport for the client library, with deadlines: connect with
// a timeout, read with a timeout (so the client can send heartbeats while it
// waits), write everything, and salvage unread bytes once the connection
// fails. Thread: owned by one Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace baton::detail {

class Connection {
 public:
  // Throws baton::Error{unavailable}.
  void connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
  // Appends what arrives to out. Returns false if nothing came within timeout.
  // Throws baton::Error{closed} on end of stream or a socket error.
  bool read_some(std::string& out, std::chrono::milliseconds timeout);
  // Throws baton::Error{closed}.
  void write_all(std::string_view bytes);
  // After a failed read or write: whatever the server sent before it went
  // away and is still unread (its last word may be an ERROR line), read
  // without blocking until nothing is left, end of stream or an error.
  std::string drain();
  void close() noexcept;
  bool is_open() const noexcept { return socket_.is_open(); }

 private:
  boost::asio::io_context ctx_{1};
  boost::asio::ip::tcp::socket socket_{ctx_};
  std::chrono::milliseconds rcv_timeout_{-1};
};

}  // namespace baton::detail

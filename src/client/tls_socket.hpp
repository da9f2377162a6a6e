// The socket under the client's TLS: a BIO for OpenSSL, and waiting on the
// descriptor with a deadline. Thread: any; the BIO belongs to one TlsStream.
#pragma once

#include <poll.h>

#include <chrono>

#include <openssl/bio.h>

namespace baton::detail {

// A BIO on a connected, non-blocking socket that OpenSSL reads and writes.
// Why not OpenSSL's own socket BIO: it writes with write(2), so a write to a
// connection the server has reset raises SIGPIPE, which kills a process that
// did not ignore it; a library must not change the process's signals. This
// one sends with MSG_NOSIGNAL, as the plain connection does. The BIO does not
// own fd. Returns nullptr if OpenSSL is out of memory.
BIO* new_socket_bio(int fd);

// Waits until fd is ready for events (POLLIN or POLLOUT) or has an error or
// hang-up to report, or until deadline (time_point::max(): no deadline).
// False only when the deadline passed first.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline);

}  // namespace baton::detail

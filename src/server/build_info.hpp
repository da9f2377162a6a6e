// What this binary is: baton_build_info and /status.
#pragma once

namespace baton::server {

#ifndef BATON_VERSION
#define BATON_VERSION "0.0.0"
#endif
inline constexpr const char* kVersion = BATON_VERSION;  // the CMake project version
#ifdef BOOST_ASIO_HAS_IO_URING
inline constexpr const char* kIoBackend = "io_uring";
#else
inline constexpr const char* kIoBackend = "epoll";
#endif

}  // namespace baton::server

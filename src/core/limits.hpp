// Named bounds shared by the codecs, the server and the client library.
// Limits the server enforces on a peer live here, in ServerConfig (flags), or
// next to the one place that uses them: kLinger (server/farewell.hpp),
// kAcceptRetry (server/accept.hpp), the admin port's kMaxRequest and
// kRequestDeadline (server/admin_http.cpp), the read buffers (session.hpp,
// listener.cpp). docs/ARCHITECTURE.md lists them all.
#pragma once

#include <cstddef>
#include <string_view>

namespace baton {

// The greeting names the oldest version this server speaks; HELLO may name
// any version up to kProtocolVersionMax (2: sessions, pass, lock rings).
inline constexpr int kProtocolVersion = 1;
inline constexpr int kProtocolVersionMax = 2;
// A session id is 16 lowercase hex digits, its secret 32 (128 bits).
inline constexpr std::size_t kSessionIdChars = 16;
inline constexpr std::size_t kSessionSecretChars = 32;

// Longest v1 line, including the '\n'. A longer line is LINE_TOO_LONG.
inline constexpr std::size_t kMaxLine = 4096;
// Longest legacy message (the seed reads with recv(1024)).
inline constexpr std::size_t kMaxLegacyMessage = 1024;
// Longest ring or member name.
inline constexpr std::size_t kMaxName = 64;
// Longest secret a HELLO may carry (the 43 characters of --new-token fit many times).
inline constexpr std::size_t kMaxTokenBytes = 256;

// Names (rings, members) are short tokens so that they can never break a line,
// a log line or a journal record: [A-Za-z0-9._-]{1,kMaxName}.
bool valid_name(std::string_view s) noexcept;

// Payloads are one line of text: any byte but the control characters
// (tab allowed), so a payload cannot forge a log or journal line.
bool valid_payload(std::string_view s) noexcept;

}  // namespace baton

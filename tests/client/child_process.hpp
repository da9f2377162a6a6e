// baton-client as a child process, for the tests that need the real binary
// (a stopped process, its argv, its exit code and stderr).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace baton::test {

struct Child {
  pid_t pid = -1;
  int err_fd = -1;  // the child's stderr
  int out_fd = -1;  // its stdout if captured; else it goes to /dev/null
};

// Runs args[0] with args. env: extra NAME=VALUE entries on top of ours.
Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
            bool capture_stdout = false);
// Exit status within timeout (a watchdog), or -1 after killing the child.
int wait_exit(pid_t pid, std::chrono::milliseconds timeout);
// Everything until EOF; closes fd.
std::string read_all(int fd);

}  // namespace baton::test

#pragma once
// A client of a faultfs daemon's control socket (faultfs/README.md, "Control
// protocol") that keeps one connection open: one JSON line out, one JSON line
// back per request. The one client of the control socket: `faultfs ctl`, the
// fuse-mode worker (which talks to the daemon around every operation a fault
// rule fires for), crashlab's mounts and exec mode, and the tests.
//
// Thread safety: one thread at a time.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "faultfs/status.h"

namespace crashlab::faultfs {

class ControlClient {
 public:
  // Connects; an error names the socket path and errno (ENOENT: no daemon).
  static Result<std::unique_ptr<ControlClient>> Connect(
      const std::string& socket_path);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Sends `request`, returns the reply object. A reply {"ok": false} becomes
  // an error (EIO, the socket path, the daemon's message); so does a broken
  // connection or a reply that is not a JSON object.
  Result<nlohmann::json> Request(const nlohmann::json& request);

  // Sends one request line as given (no trailing newline), returns the reply
  // line as the daemon wrote it, {"ok": false} replies included. Errors are
  // transport errors only (a broken connection). `faultfs ctl` uses it to show
  // the daemon's reply verbatim.
  Result<std::string> RequestLine(std::string_view line);

  const std::string& socket_path() const { return path_; }

 private:
  ControlClient(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;              // owned
  std::string buffer_;  // bytes received after the last reply line
};

}  // namespace crashlab::faultfs

#pragma once
// The control socket: a unix stream socket (mode 0600) speaking JSON lines.
// Every request line gets exactly one reply line; a line longer than
// kMaxLine, malformed JSON or a client that disconnects mid-request never
// stops the server. One thread serves all clients (poll), so requests are
// handled one at a time in arrival order.

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "faultfs/status.h"

namespace crashlab::faultfs::daemon {

class ControlServer {
 public:
  static constexpr size_t kMaxLine = 1 << 20;  // 1 MiB
  // Answers one parsed request object; must not throw (exceptions become an
  // error reply anyway).
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Binds and listens (before the daemon forks, so the socket exists when
  // `faultfs mount` returns). Refuses to replace a live socket.
  static Result<std::unique_ptr<ControlServer>> Listen(const std::string& path);
  ~ControlServer();  // stops the thread, removes the socket file

  // Serves requests on a thread until Stop().
  void Start(Handler handler);
  void Stop();
  const std::string& path() const { return path_; }

  // The reply line (with its newline) to one request line: malformed or
  // too deeply nested JSON, a non-object and a throwing handler all get an
  // {"ok":false,"error":...} line; invalid UTF-8 is replaced, never thrown.
  static std::string AnswerLine(const std::string& line,
                                const Handler& handler);

 private:
  ControlServer(std::string path, int fd)
      : path_(std::move(path)), listen_fd_(fd) {}
  void Loop();
  std::string HandleLine(const std::string& line);

  std::string path_;
  int listen_fd_;
  int wake_[2] = {-1, -1};
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Refuses (EPERM, naming the directory) a socket directory that another
// user could write to: world-writable without the sticky bit, or owned by
// someone other than this user or root. Listen() calls it.
Status CheckSocketDir(const std::string& socket_path);

}  // namespace crashlab::faultfs::daemon

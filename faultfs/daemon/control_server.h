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

}  // namespace crashlab::faultfs::daemon

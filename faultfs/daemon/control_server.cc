#include "faultfs/daemon/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

namespace crashlab::faultfs::daemon {
namespace {

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument(
        path, "control socket path longer than " +
                  std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Sends all bytes, waiting at most ~2 s for a slow reader.
bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 2000) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

std::string ErrorLine(const std::string& message) {
  return nlohmann::json{{"ok", false}, {"error", message}}.dump(
             -1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Listen(
    const std::string& path) {
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Status::IoError(EEXIST, path, "exists and is not a socket");
    // A live daemon answers a connect; a stale socket file is replaced.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live =
        probe >= 0 &&
        connect(probe, reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr)) == 0;
    if (probe >= 0) close(probe);
    if (live)
      return Status::IoError(EADDRINUSE, path,
                             "another faultfs daemon is listening there");
    unlink(path.c_str());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(errno, path, "socket");
  mode_t old = umask(0177);  // the socket is created 0600
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr));
  int err = errno;
  umask(old);
  if (rc != 0 || chmod(path.c_str(), 0600) != 0 || listen(fd, 16) != 0) {
    if (rc == 0) err = errno;
    close(fd);
    return Status::IoError(err, path, "binding the control socket");
  }
  return std::unique_ptr<ControlServer>(new ControlServer(path, fd));
}

ControlServer::~ControlServer() {
  Stop();
  close(listen_fd_);
  unlink(path_.c_str());
}

void ControlServer::Start(Handler handler) {
  handler_ = std::move(handler);
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return;
  thread_ = std::thread([this] { Loop(); });
}

void ControlServer::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  char c = 1;
  if (write(wake_[1], &c, 1) < 0) {
  }  // the loop also polls with a timeout
  thread_.join();
  close(wake_[0]);
  close(wake_[1]);
}

std::string ControlServer::HandleLine(const std::string& line) {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    return ErrorLine(std::string("malformed JSON: ") + e.what());
  }
  if (!request.is_object())
    return ErrorLine(
        "a request must be a JSON object like {\"cmd\":\"status\"}");
  try {
    nlohmann::json reply = handler_(request);
    return reply.dump(-1, ' ', false,
                      nlohmann::json::error_handler_t::replace) +
           "\n";
  } catch (const std::exception& e) {
    return ErrorLine(std::string("internal error: ") + e.what());
  }
}

void ControlServer::Loop() {
  struct Client {
    std::string buf;
  };
  std::map<int, Client> clients;
  std::vector<char> chunk(64 * 1024);
  while (!stop_) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& [fd, c] : clients) fds.push_back({fd, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), 500);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (fds[1].revents & POLLIN) {
      int c =
          accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c >= 0) clients[c] = Client{};
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      Client& client = clients[fd];
      ssize_t got = recv(fd, chunk.data(), chunk.size(), 0);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      bool close_it = got <= 0;  // EOF: a partial request is dropped
      if (got > 0) client.buf.append(chunk.data(), static_cast<size_t>(got));
      size_t nl;
      while (!close_it && (nl = client.buf.find('\n')) != std::string::npos) {
        std::string line = client.buf.substr(0, nl);
        client.buf.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (!SendAll(fd, HandleLine(line))) close_it = true;
      }
      if (!close_it && client.buf.size() > kMaxLine) {
        SendAll(fd, ErrorLine("request line longer than " +
                              std::to_string(kMaxLine) + " bytes"));
        close_it = true;
      }
      if (close_it) {
        close(fd);
        clients.erase(fd);
      }
    }
  }
  for (const auto& [fd, c] : clients) close(fd);
}

}  // namespace crashlab::faultfs::daemon

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

#include "faultfs/json_util.h"

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

}  // namespace

Status CheckSocketDir(const std::string& socket_path) {
  size_t slash = socket_path.rfind('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : socket_path.substr(0, slash);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0)
    return Status::IoError(errno, dir, "the control socket's directory");
  if (!S_ISDIR(st.st_mode))
    return Status::IoError(ENOTDIR, dir, "the control socket's directory");
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return Status::IoError(
        EPERM, dir,
        "the control socket's directory is world-writable without the sticky "
        "bit: anyone could replace the socket; use a directory you own");
  }
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    return Status::IoError(
        EPERM, dir,
        "the control socket's directory belongs to uid " +
            std::to_string(st.st_uid) +
            ", not to this user (or root): its owner could replace the socket");
  }
  return Status::Ok();
}

namespace {

std::string ErrorLine(const std::string& message) {
  return DumpJson(nlohmann::json{{"ok", false}, {"error", message}}) + "\n";
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Listen(
    const std::string& path) {
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  if (Status dir = CheckSocketDir(path); !dir.ok()) return dir;
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
  return AnswerLine(line, handler_);
}

std::string ControlServer::AnswerLine(const std::string& line,
                                      const Handler& handler) {
  if (auto at = JsonTooDeepAt(line))
    return ErrorLine("malformed request: " + JsonTooDeepMessage(*at));
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    return ErrorLine(std::string("malformed JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {  // out_of_range: 1e400
    return ErrorLine(std::string("malformed JSON: ") + e.what());
  }
  if (!request.is_object())
    return ErrorLine(
        "a request must be a JSON object like {\"cmd\":\"status\"}");
  try {
    nlohmann::json reply = handler(request);
    return DumpJson(reply) + "\n";
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

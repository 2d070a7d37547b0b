#include "faultfs/client/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultfs/json_util.h"

namespace crashlab::faultfs {

Result<std::unique_ptr<ControlClient>> ControlClient::Connect(
    const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument(
        socket_path, "control socket path empty or longer than " +
                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(errno, socket_path, "socket");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return Status::IoError(err, socket_path,
                           "connecting to the faultfs control socket");
  }
  return std::unique_ptr<ControlClient>(new ControlClient(socket_path, fd));
}

ControlClient::~ControlClient() { close(fd_); }

Result<std::string> ControlClient::RequestLine(std::string_view request) {
  std::string line = std::string(request) + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status::IoError(n < 0 ? errno : EPIPE, path_,
                             "sending a control request");
    done += static_cast<size_t>(n);
  }
  size_t nl;
  while ((nl = buffer_.find('\n')) == std::string::npos) {
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(errno, path_, "reading a control reply");
    if (n == 0)
      return Status::IoError(
          ECONNRESET, path_,
          "the faultfs daemon closed the control connection");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  std::string reply = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return reply;
}

Result<nlohmann::json> ControlClient::Request(const nlohmann::json& request) {
  auto reply = RequestLine(faultfs::DumpJson(request));
  if (!reply.ok()) return reply.status();
  if (auto at = faultfs::JsonTooDeepAt(*reply)) {
    return Status::IoError(
        EIO, path_,
        "control reply is not JSON: " + faultfs::JsonTooDeepMessage(*at));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*reply);
  } catch (const nlohmann::json::exception& e) {
    return Status::IoError(
        EIO, path_, std::string("control reply is not JSON: ") + e.what());
  }
  if (!j.is_object())
    return Status::IoError(EIO, path_, "control reply is not a JSON object");
  if (!j.value("ok", false)) {
    std::string cmd = request.value("cmd", std::string("?"));
    return Status::IoError(EIO, path_,
                           "faultfs refused " + cmd + ": " +
                               j.value("error", std::string("no error text")));
  }
  return j;
}

}  // namespace crashlab::faultfs

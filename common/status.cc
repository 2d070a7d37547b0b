#include "common/status.h"

#include <array>
#include <cstring>

namespace crashlab {
namespace {

struct ErrnoEntry {
  int value;
  const char* name;
};

constexpr std::array kErrnos = {
    ErrnoEntry{EPERM, "EPERM"},
    ErrnoEntry{ENOENT, "ENOENT"},
    ErrnoEntry{EIO, "EIO"},
    ErrnoEntry{EBADF, "EBADF"},
    ErrnoEntry{EAGAIN, "EAGAIN"},
    ErrnoEntry{ENOMEM, "ENOMEM"},
    ErrnoEntry{EACCES, "EACCES"},
    ErrnoEntry{EBUSY, "EBUSY"},
    ErrnoEntry{EEXIST, "EEXIST"},
    ErrnoEntry{EXDEV, "EXDEV"},
    ErrnoEntry{ENOTDIR, "ENOTDIR"},
    ErrnoEntry{EISDIR, "EISDIR"},
    ErrnoEntry{EINVAL, "EINVAL"},
    ErrnoEntry{EMFILE, "EMFILE"},
    ErrnoEntry{EFBIG, "EFBIG"},
    ErrnoEntry{ENOSPC, "ENOSPC"},
    ErrnoEntry{EROFS, "EROFS"},
    ErrnoEntry{EMLINK, "EMLINK"},
    ErrnoEntry{ENAMETOOLONG, "ENAMETOOLONG"},
    ErrnoEntry{ENOTEMPTY, "ENOTEMPTY"},
    ErrnoEntry{ELOOP, "ELOOP"},
    ErrnoEntry{EDQUOT, "EDQUOT"},
    ErrnoEntry{ENOSYS, "ENOSYS"},
    ErrnoEntry{EINTR, "EINTR"},
    ErrnoEntry{ENXIO, "ENXIO"},
    ErrnoEntry{ETIMEDOUT, "ETIMEDOUT"},
    ErrnoEntry{ESTALE, "ESTALE"},
    ErrnoEntry{EOVERFLOW, "EOVERFLOW"},
    ErrnoEntry{ENODATA, "ENODATA"},
    ErrnoEntry{ENOTSUP, "ENOTSUP"},
    ErrnoEntry{ECANCELED, "ECANCELED"},
};

}  // namespace

Status Status::IoError(int err, std::string path, std::string message) {
  return Status(Code::kIoError, err == 0 ? EIO : err, std::move(path),
                std::move(message));
}

Status Status::Corruption(std::string path, std::string message) {
  return Status(Code::kCorruption, EIO, std::move(path), std::move(message));
}

Status Status::InvalidArgument(std::string path, std::string message) {
  return Status(Code::kInvalidArgument, EINVAL, std::move(path),
                std::move(message));
}

Status Status::BadInput(std::string where, std::string message) {
  return Status(Code::kInvalidArgument, 0, std::move(where),
                std::move(message));
}

Status Status::Environment(std::string where, std::string message) {
  return Status(Code::kIoError, 0, std::move(where), std::move(message));
}

int Status::exit_code() const {
  switch (code_) {
    case Code::kOk:
      return 0;
    case Code::kCorruption:
    case Code::kInvalidArgument:
      return 2;
    case Code::kIoError:
      return 3;
  }
  return 3;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (code_ != Code::kCorruption && err_ == 0) {
    return path_.empty() ? message_ : path_ + ": " + message_;
  }
  std::string out;
  if (code_ == Code::kCorruption) {
    out = "corruption";
  } else {
    out = ErrnoName(err_) + " (" + std::strerror(err_) + ")";
  }
  if (!path_.empty()) out += ": " + path_;
  if (!message_.empty()) out += ": " + message_;
  return out;
}

Status Status::WithPrefix(const std::string& prefix) const {
  if (ok()) return *this;
  std::string where = path_.empty() ? prefix : prefix + ":" + path_;
  return Status(code_, err_, std::move(where), message_);
}

std::string ErrnoName(int err) {
  for (const auto& e : kErrnos) {
    if (e.value == err) return e.name;
  }
  return std::to_string(err);
}

int ErrnoFromName(std::string_view name) {
  for (const auto& e : kErrnos) {
    if (name == e.name) return e.value;
  }
  return 0;
}

}  // namespace crashlab

#include "faultfs/status.h"

#include <array>
#include <cstring>

namespace crashlab::faultfs {
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
  return Status(err == 0 ? EIO : err, Kind::kIo, std::move(path),
                std::move(message));
}

Status Status::Corruption(std::string path, std::string message) {
  return Status(EIO, Kind::kCorruption, std::move(path), std::move(message));
}

Status Status::InvalidArgument(std::string path, std::string message) {
  return Status(EINVAL, Kind::kInvalid, std::move(path), std::move(message));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out;
  if (kind_ == Kind::kCorruption) {
    out = "corruption";
  } else {
    out = ErrnoName(err_) + " (" + std::strerror(err_) + ")";
  }
  if (!path_.empty()) out += ": " + path_;
  if (!message_.empty()) out += ": " + message_;
  return out;
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

}  // namespace crashlab::faultfs

#pragma once
// Errors as values, for every crashlab module. A Status is ok or carries a
// code, an errno (when the error came from a system call or stands for one),
// the path or input position it concerns, and a short message. Result<T> is a
// value or a Status. Both are cheap to move and are checked at every call site.
//
// Codes and the exit code each maps to (docs/design.md, "Exit codes"):
//   kIoError          a failed operation, errno set          exit 3
//   kCorruption       data present but wrong (errno EIO)     exit 2
//   kInvalidArgument  the caller's or the input's mistake    exit 2
// kBadInput and kEnvironment are the names the report readers use for
// kInvalidArgument and kIoError without an errno.

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace crashlab {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kIoError,
    kCorruption,
    kInvalidArgument,
    kBadInput = kInvalidArgument,
    kEnvironment = kIoError,
  };

  Status() = default;  // ok

  static Status Ok() { return Status(); }
  // An I/O error: `err` is an errno value (0 becomes EIO), `path` what it
  // concerned.
  static Status IoError(int err, std::string path, std::string message = {});
  // Data that is present but wrong (bad checksum, malformed file); errno EIO.
  static Status Corruption(std::string path, std::string message);
  // Caller's mistake (bad argument, malformed input); errno EINVAL.
  static Status InvalidArgument(std::string path, std::string message);
  // Malformed input with no errno behind it; `where` names the input, e.g.
  // "shard1/report.json:12:7: /scenarios/0/verdict".
  static Status BadInput(std::string where, std::string message);
  // An environment problem with no errno behind it (a directory that cannot
  // be written).
  static Status Environment(std::string where, std::string message);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int err() const { return err_; }  // 0 when ok or when no errno applies
  const std::string& path() const { return path_; }
  const std::string& where() const { return path_; }
  const std::string& message() const { return message_; }
  bool is_corruption() const { return code_ == Code::kCorruption; }
  // 0 ok, 2 bad input or corruption, 3 an I/O or environment problem.
  int exit_code() const;

  // With an errno: "ENOENT (No such file or directory): wal/wal-1.log:
  // opening for read"; a corruption: "corruption: PATH: MESSAGE"; without an
  // errno: "WHERE: MESSAGE". "OK" when ok.
  std::string ToString() const;
  // The same status with `prefix` put in front of where(), e.g. a file name.
  Status WithPrefix(const std::string& prefix) const;

  // Explicit, greppable way to drop a status on purpose.
  void IgnoreError() const {}

 private:
  Status(Code code, int err, std::string path, std::string message)
      : code_(code),
        err_(err),
        path_(std::move(path)),
        message_(std::move(message)) {}

  Code code_ = Code::kOk;
  int err_ = 0;
  std::string path_;
  std::string message_;
};

// errno name ("EIO") for a value, or the number as text if unknown.
std::string ErrnoName(int err);
// errno value for a name ("EIO" -> 5); 0 if the name is unknown.
int ErrnoFromName(std::string_view name);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // The error; Status::Ok() when this holds a value.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace crashlab

// Returns early from the enclosing function if `expr` is not ok.
#define CRASHLAB_RETURN_IF_ERROR(expr)           \
  do {                                           \
    ::crashlab::Status _crashlab_st = (expr);    \
    if (!_crashlab_st.ok()) return _crashlab_st; \
  } while (0)

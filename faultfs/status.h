#pragma once
// Errors as values. A Status is either ok or carries an errno, the path the
// failed operation named, and a short message. Result<T> is a value or a
// Status. Both are cheap to move and are checked at every call site.

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace crashlab::faultfs {

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  // An I/O error: `err` is an errno value (never 0), `path` what it concerned.
  static Status IoError(int err, std::string path, std::string message = {});
  // Data that is present but wrong (bad checksum, malformed file); errno EIO.
  static Status Corruption(std::string path, std::string message);
  // Caller's mistake (bad argument, malformed input); errno EINVAL.
  static Status InvalidArgument(std::string path, std::string message);

  bool ok() const { return err_ == 0; }
  int err() const { return err_; }  // 0 when ok
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }
  bool is_corruption() const { return kind_ == Kind::kCorruption; }

  // "ENOENT (No such file or directory): wal/wal-1.log: opening for read"
  std::string ToString() const;

  // Explicit, greppable way to drop a status on purpose.
  void IgnoreError() const {}

 private:
  enum class Kind { kIo, kCorruption, kInvalid };
  Status(int err, Kind kind, std::string path, std::string message)
      : err_(err),
        kind_(kind),
        path_(std::move(path)),
        message_(std::move(message)) {}

  int err_ = 0;
  Kind kind_ = Kind::kIo;
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

}  // namespace crashlab::faultfs

// Returns early from the enclosing function if `expr` is not ok.
#define CRASHLAB_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    ::crashlab::faultfs::Status _crashlab_st = (expr); \
    if (!_crashlab_st.ok()) return _crashlab_st;       \
  } while (0)

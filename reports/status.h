#pragma once
// Errors as values for the reports module. A Status is ok, bad input (a
// malformed report file: exit code 2) or an environment problem (a directory
// that cannot be written: exit code 3). Result<T> is a value or a Status.

#include <string>
#include <utility>
#include <variant>

namespace crashlab::reports {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk = 0, kBadInput = 2, kEnvironment = 3 };

  Status() = default;  // ok
  static Status Ok() { return Status(); }
  // `where` names the input: "shard1/report.json:12:7: /scenarios/0/verdict".
  static Status BadInput(std::string where, std::string message) {
    return Status(Code::kBadInput, std::move(where), std::move(message));
  }
  static Status Environment(std::string where, std::string message) {
    return Status(Code::kEnvironment, std::move(where), std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int exit_code() const { return static_cast<int>(code_); }
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }
  // "where: message", or "ok".
  std::string ToString() const;
  // The same status with `prefix` put in front of where(), e.g. a file name.
  Status WithPrefix(const std::string& prefix) const;

 private:
  Status(Code code, std::string where, std::string message)
      : code_(code), where_(std::move(where)), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string where_;
  std::string message_;
};

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
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace crashlab::reports

// Copyright 2026 The Candor Authors.
//
// Status and StatusOr<T>: how every Candor module reports errors across its
// boundary. Exceptions never cross a module or request boundary; a function that
// can fail returns one of these.
//
// A Status is either OK or carries a Code and a human-readable message. Codes
// follow absl::StatusCode and map one-to-one onto HTTP statuses (HttpStatus) and
// process exit codes (ExitCode), so the CLI and the server report the same error
// the same way.
//
// Thread safety: Status and StatusOr are values; distinct objects may be used
// from different threads, a shared const object may be read concurrently.

#ifndef CANDOR_STATUS_H_
#define CANDOR_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace candor {

enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,   // the caller's input is wrong (HTTP 400)
  kDeadlineExceeded = 4,  // HTTP 504
  kNotFound = 5,          // HTTP 404
  kAlreadyExists = 6,     // HTTP 409
  kPermissionDenied = 7,  // authenticated but not allowed (HTTP 403)
  kResourceExhausted = 8, // a limit was hit: size, rate, disk (HTTP 429/413)
  kFailedPrecondition = 9,// the system is not in a state to do this (HTTP 412)
  kAborted = 10,          // concurrency conflict (HTTP 409)
  kOutOfRange = 11,       // HTTP 400
  kUnimplemented = 12,    // HTTP 501
  kInternal = 13,         // a bug in Candor (HTTP 500)
  kUnavailable = 14,      // try again later (HTTP 503)
  kDataLoss = 15,         // stored data is corrupt or unrecoverable (HTTP 500)
  kUnauthenticated = 16,  // no or bad credentials (HTTP 401)
};

// "INVALID_ARGUMENT", "NOT_FOUND", ... as in absl.
std::string_view CodeName(Code code);

// The HTTP status a server answers for this code.
int HttpStatus(Code code);

// The process exit code the CLI returns for this code. Documented in
// docs/CLI.md: 0 OK, 2 usage / invalid argument, 3 not found, 4 permission /
// authentication, 5 failed precondition, 6 data loss, 7 resource exhausted,
// 1 anything else.
int ExitCode(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message)
      : code_(code), message_(code == Code::kOk ? std::string() : std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NOT_FOUND: no gallery named 'x'", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

  // Explicitly ignores this status (for best-effort cleanup paths).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
inline Status AbortedError(std::string m) { return {Code::kAborted, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {Code::kOutOfRange, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
inline Status InternalError(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }

// Either a T or a non-OK Status. Constructing from an OK Status is a bug and
// yields an INTERNAL error instead.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : status_(status) { Normalize(); }  // NOLINT
  StatusOr(Status&& status) : status_(std::move(status)) { Normalize(); }  // NOLINT
  StatusOr(const T& value) : value_(value) {}  // NOLINT
  StatusOr(T&& value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // Precondition: ok().
  const T& value() const& { assert(ok()); return *value_; }
  T& value() & { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  void Normalize() {
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK status without a value");
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace candor

// Returns from the current function if `expr` (a Status) is not OK.
#define CANDOR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::candor::Status candor_status_ = (expr);        \
    if (!candor_status_.ok()) return candor_status_; \
  } while (0)

#define CANDOR_CONCAT_INNER_(a, b) a##b
#define CANDOR_CONCAT_(a, b) CANDOR_CONCAT_INNER_(a, b)

// `CANDOR_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a StatusOr or returns its error.
#define CANDOR_ASSIGN_OR_RETURN(lhs, expr) \
  CANDOR_ASSIGN_OR_RETURN_IMPL_(CANDOR_CONCAT_(candor_statusor_, __LINE__), lhs, expr)
#define CANDOR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

#endif  // CANDOR_STATUS_H_

// Logging (DESIGN.md §7): spdlog loggers per category (net, sync, chain, rpc, peerdb, node),
// one level for all, output to stderr and optionally a size-rotated file.
//
// Anything a remote peer can trigger logs at debug level, tagged `peer=<id>`, through a
// LogRateLimiter, so no peer can fill a disk.
//
// Thread-safety: Log() and the loggers are thread-safe. InitLogging() must run at start-up,
// before other threads log. LogRateLimiter is thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/mutex.h"

namespace parthenon::util {

#define PARTHENON_LOG_CATEGORIES(X) \
  X(kNet, "net")                    \
  X(kSync, "sync")                  \
  X(kChain, "chain")                \
  X(kRpc, "rpc")                    \
  X(kPeerDb, "peerdb")              \
  X(kNode, "node")

enum class LogCategory {
#define PARTHENON_X(name, text) name,
  PARTHENON_LOG_CATEGORIES(PARTHENON_X)
#undef PARTHENON_X
};

std::string_view Name(LogCategory category);

// The logger of `category`. Before InitLogging it writes info and above to stderr.
spdlog::logger& Log(LogCategory category);

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool console = true;         // stderr
  std::optional<std::filesystem::path> file;  // rotated when it reaches max_file_bytes
  size_t max_file_bytes = 10 * 1024 * 1024;
  size_t max_files = 5;
};

enum class LogError {
  kUnknownLevel,
  kCannotOpenFile,
};
std::string_view ToString(LogError error);

// Applies `options` to every category. REQUIRES: no other thread is logging.
[[nodiscard]] std::expected<void, LogError> InitLogging(const LogOptions& options);

// A token bucket for log lines: at most `burst` lines at once, refilled at `per_second`.
class LogRateLimiter {
 public:
  LogRateLimiter(double per_second, double burst, const Clock& clock = RealClock());

  // nullopt: suppress this line. Otherwise the line may be logged, and the value is how many
  // lines were suppressed since the last one allowed (worth saying in the line).
  std::optional<uint64_t> Allow() EXCLUDES(mutex_);

 private:
  // Constant after construction.
  const double per_second_;
  const double burst_;
  const Clock& clock_;

  Mutex mutex_;
  double tokens_ GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point last_ GUARDED_BY(mutex_);
  uint64_t suppressed_ GUARDED_BY(mutex_) = 0;
};

}  // namespace parthenon::util

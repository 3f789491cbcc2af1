#include "util/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <memory>

namespace parthenon::util {
namespace {

constexpr std::array kNames = {
#define PARTHENON_X(name, text) std::string_view(text),
    PARTHENON_LOG_CATEGORIES(PARTHENON_X)
#undef PARTHENON_X
};

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%n] %v";

std::array<std::shared_ptr<spdlog::logger>, kNames.size()>& Loggers() {
  static std::array<std::shared_ptr<spdlog::logger>, kNames.size()> loggers = [] {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    std::array<std::shared_ptr<spdlog::logger>, kNames.size()> created;
    for (size_t i = 0; i < kNames.size(); ++i) {
      created[i] = std::make_shared<spdlog::logger>(std::string(kNames[i]), console);
      created[i]->set_pattern(kPattern, spdlog::pattern_time_type::utc);
      created[i]->set_level(spdlog::level::info);
    }
    return created;
  }();
  return loggers;
}

}  // namespace

std::string_view Name(LogCategory category) { return kNames[static_cast<size_t>(category)]; }

spdlog::logger& Log(LogCategory category) { return *Loggers()[static_cast<size_t>(category)]; }

std::string_view ToString(LogError error) {
  switch (error) {
    case LogError::kUnknownLevel:
      return "unknown log level (expected trace, debug, info, warn, error, critical or off)";
    case LogError::kCannotOpenFile:
      return "cannot open the log file";
  }
  return "unknown logging error";
}

std::expected<void, LogError> InitLogging(const LogOptions& options) {
  const auto level = spdlog::level::from_str(options.level);
  // from_str maps anything unknown to "off"; only accept "off" when it was asked for.
  if (level == spdlog::level::off && options.level != "off") {
    return std::unexpected(LogError::kUnknownLevel);
  }
  std::vector<spdlog::sink_ptr> sinks;
  if (options.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (options.file) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.file->string(), options.max_file_bytes, options.max_files));
    } catch (const spdlog::spdlog_ex&) {
      return std::unexpected(LogError::kCannotOpenFile);
    }
  }
  for (auto& logger : Loggers()) {
    logger->sinks() = sinks;
    logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
  }
  return {};
}

LogRateLimiter::LogRateLimiter(double per_second, double burst, const Clock& clock)
    : per_second_(per_second), burst_(burst), clock_(clock), tokens_(burst),
      last_(clock.SteadyNow()) {}

std::optional<uint64_t> LogRateLimiter::Allow() {
  MutexLock lock(mutex_);
  const auto now = clock_.SteadyNow();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
  if (tokens_ < 1.0) {
    ++suppressed_;
    return std::nullopt;
  }
  tokens_ -= 1.0;
  return std::exchange(suppressed_, 0);
}

}  // namespace parthenon::util

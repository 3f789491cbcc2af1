#include "util/logging.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace parthenon::util {
namespace {

using namespace std::chrono_literals;

TEST(LogRateLimiter, AllowsBurstThenRefills) {
  ManualClock clock;
  LogRateLimiter limiter(2.0, 3.0, clock);
  EXPECT_EQ(limiter.Allow(), std::optional<uint64_t>{0});
  EXPECT_EQ(limiter.Allow(), std::optional<uint64_t>{0});
  EXPECT_EQ(limiter.Allow(), std::optional<uint64_t>{0});
  EXPECT_FALSE(limiter.Allow().has_value());
  EXPECT_FALSE(limiter.Allow().has_value());
  clock.Advance(500ms);  // one token back
  EXPECT_EQ(limiter.Allow(), std::optional<uint64_t>{2});  // reports the two suppressed lines
  EXPECT_FALSE(limiter.Allow().has_value());
  clock.Advance(100s);  // refills to the burst, no more
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow().has_value());
  EXPECT_FALSE(limiter.Allow().has_value());
}

TEST(Logging, CategoriesHaveTheirNames) {
  EXPECT_EQ(Name(LogCategory::kNet), "net");
  EXPECT_EQ(Name(LogCategory::kPeerDb), "peerdb");
  EXPECT_EQ(Log(LogCategory::kSync).name(), "sync");
}

TEST(Logging, RejectsUnknownLevel) {
  auto result = InitLogging({.level = "loud"});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), LogError::kUnknownLevel);
}

TEST(Logging, WritesToFileAtTheChosenLevel) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("parthenon-log-test-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  ASSERT_TRUE(InitLogging({.level = "info", .console = false, .file = path}).has_value());
  Log(LogCategory::kChain).debug("hidden line");
  Log(LogCategory::kChain).info("visible line {}", 42);
  Log(LogCategory::kChain).flush();
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_NE(contents.str().find("[chain] visible line 42"), std::string::npos) << contents.str();
  EXPECT_EQ(contents.str().find("hidden line"), std::string::npos);
  ASSERT_TRUE(InitLogging({}).has_value());  // back to stderr for the other tests
  std::filesystem::remove(path);
}

TEST(Logging, UnwritableFileIsAnError) {
  // spdlog creates missing directories, so use a path under a file, which nobody can create.
  auto result = InitLogging({.file = "/dev/null/parthenon.log"});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), LogError::kCannotOpenFile);
  ASSERT_TRUE(InitLogging({}).has_value());
}

}  // namespace
}  // namespace parthenon::util

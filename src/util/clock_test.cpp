#include "util/clock.h"

#include <gtest/gtest.h>

namespace parthenon::util {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(std::chrono::system_clock::time_point{1000s});
  EXPECT_EQ(clock.UnixSeconds(), 1000);
  const auto steady = clock.SteadyNow();
  EXPECT_EQ(clock.SteadyNow(), steady);
  clock.Advance(90s);
  EXPECT_EQ(clock.UnixSeconds(), 1090);
  EXPECT_EQ(clock.SteadyNow() - steady, 90s);
  clock.Set(std::chrono::system_clock::time_point{5000s});
  EXPECT_EQ(clock.UnixSeconds(), 5000);
}

TEST(SystemClock, IsAfter2020) { EXPECT_GT(RealClock().UnixSeconds(), 1'577'836'800); }

}  // namespace
}  // namespace parthenon::util

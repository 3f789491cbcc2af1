// Issue 16's simulation: 1,000 attacker addresses in one /16 flooding addr for an hour get at
// most 2 of the 10 outbound slots, before and after a restart with anchors.
#include "sim/eclipse_sim.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace parthenon::sim {
namespace {

std::filesystem::path Scratch(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("eclipse-sim-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(EclipseSimTest, OneGroupAttackerGetsAtMostTwoOfTenSlots) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    EclipseSimOptions options;
    options.seed = seed;
    options.directory = Scratch("one-" + std::to_string(seed));
    const auto result = RunEclipseSim(options);
    std::filesystem::remove_all(options.directory);
    EXPECT_EQ(result.slots, 10u);
    EXPECT_LE(result.attacker_before_restart, 2u) << "seed " << seed;
    EXPECT_LE(result.attacker_after_restart, 2u) << "seed " << seed;
    // The flood reached the tables, but only as far as one source group's share of new.
    EXPECT_GT(result.attacker_in_new, 0u);
    EXPECT_LE(result.attacker_in_new, 64u) << "one (source, address) group pair is one bucket";
  }
}

// The defence degrades with the attacker's group count (the table in the docs): a 32-group
// attacker does better than a 1-group one, so the test above measures something real.
TEST(EclipseSimTest, MoreAttackerGroupsGetMoreOfTheTables) {
  EclipseSimOptions one;
  one.directory = Scratch("g1");
  EclipseSimOptions many = one;
  many.attacker_groups = 32;
  many.directory = Scratch("g32");
  const auto a = RunEclipseSim(one);
  const auto b = RunEclipseSim(many);
  std::filesystem::remove_all(one.directory);
  std::filesystem::remove_all(many.directory);
  EXPECT_GT(b.attacker_in_new, a.attacker_in_new * 4);
}

}  // namespace
}  // namespace parthenon::sim

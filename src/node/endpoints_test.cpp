#include "node/endpoints.h"

#include <gtest/gtest.h>

namespace parthenon::node {
namespace {

TEST(Endpoints, DefaultPortAddedWhereMissing) {
  const std::vector<std::string> given = {"seed.example", "10.0.0.1:9000", "10.0.0.2", "[::1]:9000",
                                          "[2001:db8::1]", "::1", ""};
  const std::vector<std::string> expected = {"seed.example:18444", "10.0.0.1:9000", "10.0.0.2:18444",
                                             "[::1]:9000", "[2001:db8::1]:18444", "[::1]:18444"};
  EXPECT_EQ(HostsWithPorts(given, 18444), expected);
}

}  // namespace
}  // namespace parthenon::node

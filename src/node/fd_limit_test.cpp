#include "node/fd_limit.h"

#include <gtest/gtest.h>

namespace parthenon::node {
namespace {

TEST(FdLimitTest, AmpleLimitKeepsTheConfiguredConnections) {
  EXPECT_EQ(FitConnections({.max_connections = 125, .max_outbound = 8}, 1024),
            (ConnectionLimits{.max_connections = 125, .max_outbound = 8}));
  EXPECT_EQ(FitConnections({.max_connections = 125, .max_outbound = 8}, 125 + kReservedFds),
            (ConnectionLimits{.max_connections = 125, .max_outbound = 8}));
}

TEST(FdLimitTest, LowLimitLowersConnectionsToWhatFitsBesideTheReserve) {
  EXPECT_EQ(FitConnections({.max_connections = 125, .max_outbound = 8}, kReservedFds + 20),
            (ConnectionLimits{.max_connections = 20, .max_outbound = 8}));
  // Outbound never exceeds the total.
  EXPECT_EQ(FitConnections({.max_connections = 125, .max_outbound = 8}, kReservedFds + 5),
            (ConnectionLimits{.max_connections = 5, .max_outbound = 5}));
}

TEST(FdLimitTest, LimitBelowTheReserveLeavesNoConnections) {
  EXPECT_EQ(FitConnections({.max_connections = 125, .max_outbound = 8}, kReservedFds / 2),
            (ConnectionLimits{.max_connections = 0, .max_outbound = 0}));
}

}  // namespace
}  // namespace parthenon::node

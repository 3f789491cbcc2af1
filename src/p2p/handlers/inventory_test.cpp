#include "p2p/handlers/inventory.h"

#include <gtest/gtest.h>

namespace parthenon::p2p {
namespace {

crypto::Uint256 H(uint8_t n) {
  std::array<std::byte, 32> bytes{};
  bytes[0] = std::byte{n};
  bytes[31] = std::byte{1};
  return crypto::Uint256(bytes);
}

TEST(BoundedHashSetTest, ForgetsTheOldestBeyondCapacity) {
  BoundedHashSet set(3);
  EXPECT_TRUE(set.Insert(H(1)));
  EXPECT_FALSE(set.Insert(H(1)));
  EXPECT_TRUE(set.Insert(H(2)));
  EXPECT_TRUE(set.Insert(H(3)));
  EXPECT_TRUE(set.Insert(H(4)));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_FALSE(set.Contains(H(1)));
  EXPECT_TRUE(set.Contains(H(4)));
}

TEST(RequestTrackerTest, TracksOwnersCountsAndDeadlines) {
  RequestTracker tracker;
  const SteadyTime t0{};
  tracker.Add(H(1), 7, t0 + std::chrono::seconds(1));
  tracker.Add(H(2), 7, t0 + std::chrono::seconds(5));
  tracker.Add(H(3), 8, t0 + std::chrono::seconds(1));
  EXPECT_EQ(tracker.CountFor(7), 2u);
  EXPECT_EQ(tracker.Owner(H(3)), 8u);
  EXPECT_FALSE(tracker.Remove(H(3), 7));  // not its owner
  auto expired = tracker.TakeExpired(t0 + std::chrono::seconds(2));
  EXPECT_EQ(expired.size(), 2u);
  EXPECT_EQ(tracker.CountFor(7), 1u);
  EXPECT_EQ(tracker.CountFor(8), 0u);
  EXPECT_EQ(tracker.RemovePeer(7), std::vector<crypto::Uint256>{H(2)});
  EXPECT_EQ(tracker.size(), 0u);
  EXPECT_EQ(tracker.CountFor(7), 0u);
}

}  // namespace
}  // namespace parthenon::p2p

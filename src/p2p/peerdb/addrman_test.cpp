#include "p2p/peerdb/addrman.h"

#include <gtest/gtest.h>

#include <set>

#include "p2p/peerdb/netgroup.h"

namespace parthenon::p2p {
namespace {

AddrMan::Secret TestSecret(uint8_t fill = 7) {
  AddrMan::Secret secret;
  secret.fill(std::byte{fill});
  return secret;
}

AddrMan Make(uint8_t fill = 7) {
  return AddrMan(TestSecret(fill), [](const wire::NetAddress& a) { return NetGroup(a); });
}

wire::NetAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port = 8333) {
  return wire::NetAddress::FromIPv4({a, b, c, d}, port);
}

constexpr int64_t kNow = 1'700'000'000;

TEST(AddrManTest, AddGoesToNewAndGoodMovesToTried) {
  auto am = Make();
  AddrMan::Rng rng(1);
  const auto a = V4(1, 2, 3, 4);
  EXPECT_TRUE(am.Add(a, "4:5.6", kNow, kNow, rng));
  EXPECT_EQ(am.TableOf(a), AddrTable::kNew);
  EXPECT_EQ(am.NewCount(), 1u);
  EXPECT_EQ(am.Good(a, kNow), AddrMan::GoodResult::kMoved);
  EXPECT_EQ(am.TableOf(a), AddrTable::kTried);
  EXPECT_EQ(am.NewCount(), 0u);
  EXPECT_EQ(am.TriedCount(), 1u);
  EXPECT_EQ(am.Good(a, kNow), AddrMan::GoodResult::kAlreadyTried);
  EXPECT_EQ(am.Good(V4(9, 9, 9, 9), kNow), AddrMan::GoodResult::kUnknown);
  EXPECT_EQ(am.Select(false, kNow, rng), a);
  EXPECT_FALSE(am.Select(true, kNow, rng));  // new is empty
  am.Remove(a);
  EXPECT_EQ(am.TableOf(a), AddrTable::kNone);
  EXPECT_FALSE(am.Select(false, kNow, rng));
}

// One source group gossiping addresses of one group fills one bucket at most (64 slots).
TEST(AddrManTest, OneSourceAndOneGroupFillOneNewBucket) {
  auto am = Make();
  AddrMan::Rng rng(2);
  for (int i = 0; i < 4000; ++i) {
    am.Add(V4(1, 2, static_cast<uint8_t>(i / 250), static_cast<uint8_t>(i % 250 + 1)),
           "4:66.66", kNow, kNow, rng);
  }
  EXPECT_EQ(am.UsedNewBuckets(), 1u);
  EXPECT_LE(am.NewCount(), AddrMan::kBucketSize);
  EXPECT_GT(am.NewCount(), AddrMan::kBucketSize / 2);
}

// One source gossiping many groups reaches at most 64 buckets.
TEST(AddrManTest, OneSourceReachesAtMostSixtyFourNewBuckets) {
  auto am = Make();
  AddrMan::Rng rng(3);
  for (int i = 0; i < 20000; ++i) {
    am.Add(V4(static_cast<uint8_t>(i % 200 + 1), static_cast<uint8_t>(i / 200), 1, 1), "4:66.66",
           kNow, kNow, rng);
  }
  EXPECT_LE(am.UsedNewBuckets(), AddrMan::kNewBucketsPerSourceGroup);
  EXPECT_GT(am.UsedNewBuckets(), AddrMan::kNewBucketsPerSourceGroup / 2);
}

// Tried: one address group owns 8 buckets, so at most 8 × 64 of its addresses are tried.
TEST(AddrManTest, OneGroupFillsAtMostEightTriedBuckets) {
  auto am = Make();
  std::set<uint32_t> buckets;
  for (int i = 0; i < 3000; ++i) {
    buckets.insert(am.TriedBucket(V4(1, 2, static_cast<uint8_t>(i / 250),
                                     static_cast<uint8_t>(i % 250 + 1))));
  }
  EXPECT_EQ(buckets.size(), AddrMan::kTriedBucketsPerGroup);
}

// The secret decides the slots: another node puts the same address elsewhere.
TEST(AddrManTest, BucketsDependOnTheSecret) {
  const auto a = Make(1);
  const auto b = Make(2);
  int differ = 0;
  for (int i = 1; i <= 20; ++i) {
    const auto address = V4(static_cast<uint8_t>(i), 1, 1, 1);
    differ += a.NewBucket(address, "4:9.9") != b.NewBucket(address, "4:9.9");
  }
  EXPECT_GE(differ, 15);
}

// Two addresses of one group whose tried slot is the same.
std::pair<wire::NetAddress, wire::NetAddress> TriedPair(const AddrMan& am) {
  std::map<uint32_t, wire::NetAddress> seen;
  for (int i = 0;; ++i) {
    const auto address = V4(1, 2, static_cast<uint8_t>(i / 250), static_cast<uint8_t>(i % 250 + 1));
    const uint32_t bucket = am.TriedBucket(address);
    const uint32_t slot = bucket * AddrMan::kBucketSize + am.Position(false, bucket, address);
    auto [it, inserted] = seen.emplace(slot, address);
    if (!inserted) return {it->second, address};
  }
}

TEST(AddrManTest, TriedCollisionKeepsAnOccupantThatWorks) {
  auto am = Make();
  AddrMan::Rng rng(4);
  const auto [old_one, newcomer] = TriedPair(am);
  am.Add(old_one, {}, kNow, kNow, rng);
  am.Add(newcomer, {}, kNow, kNow, rng);
  ASSERT_EQ(am.Good(old_one, kNow), AddrMan::GoodResult::kMoved);
  EXPECT_EQ(am.Good(newcomer, kNow + 10), AddrMan::GoodResult::kCollision);
  EXPECT_EQ(am.TableOf(newcomer), AddrTable::kNew);
  EXPECT_EQ(am.CollisionToTest(rng), old_one);
  // The occupant succeeded within the replacement window: it stays, the claim is dropped.
  EXPECT_EQ(am.ResolveCollisions(kNow + 20), 1u);
  EXPECT_EQ(am.TableOf(old_one), AddrTable::kTried);
  EXPECT_EQ(am.TableOf(newcomer), AddrTable::kNew);
  EXPECT_FALSE(am.CollisionToTest(rng));
}

TEST(AddrManTest, TriedCollisionEvictsAnOccupantThatFailsItsTest) {
  auto am = Make();
  AddrMan::Rng rng(5);
  const auto [old_one, newcomer] = TriedPair(am);
  am.Add(old_one, {}, kNow, kNow, rng);
  am.Add(newcomer, {}, kNow, kNow, rng);
  ASSERT_EQ(am.Good(old_one, kNow), AddrMan::GoodResult::kMoved);
  const int64_t later = kNow + 5 * 3600;  // the occupant's success is old now
  ASSERT_EQ(am.Good(newcomer, later), AddrMan::GoodResult::kCollision);
  am.Attempt(old_one, later + 1);  // the feeler dials it ...
  EXPECT_EQ(am.ResolveCollisions(later + 30), 0u);  // ... and is given a minute
  EXPECT_EQ(am.ResolveCollisions(later + 90), 1u);  // no success: evicted to new
  EXPECT_EQ(am.TableOf(newcomer), AddrTable::kTried);
  EXPECT_EQ(am.TableOf(old_one), AddrTable::kNew);
}

TEST(AddrManTest, UntestedCollisionEvictsAfterTheTestWindow) {
  auto am = Make();
  AddrMan::Rng rng(6);
  const auto [old_one, newcomer] = TriedPair(am);
  am.Add(old_one, {}, kNow, kNow, rng);
  am.Add(newcomer, {}, kNow, kNow, rng);
  ASSERT_EQ(am.Good(old_one, kNow), AddrMan::GoodResult::kMoved);
  const int64_t later = kNow + 5 * 3600;
  ASSERT_EQ(am.Good(newcomer, later), AddrMan::GoodResult::kCollision);
  EXPECT_EQ(am.ResolveCollisions(later + 60), 0u);
  EXPECT_EQ(am.ResolveCollisions(later + AddrMan::kTestWindowSeconds + 1), 1u);
  EXPECT_EQ(am.TableOf(newcomer), AddrTable::kTried);
}

// Core's bias: with both tables filled, about half the draws come from each.
TEST(AddrManTest, SelectDrawsFromBothTablesEvenly) {
  auto am = Make();
  AddrMan::Rng rng(7);
  for (int i = 1; i <= 40; ++i) {
    const auto address = V4(static_cast<uint8_t>(i), 1, 1, 1);
    am.Add(address, {}, kNow, kNow, rng);
    if (i <= 20) am.Good(address, kNow - 3600);
  }
  ASSERT_EQ(am.TriedCount(), 20u);
  ASSERT_EQ(am.NewCount(), 20u);
  int tried = 0;
  constexpr int kDraws = 2000;
  for (int i = 0; i < kDraws; ++i) {
    tried += am.TableOf(*am.Select(false, kNow, rng)) == AddrTable::kTried;
  }
  EXPECT_GT(tried, kDraws * 4 / 10);
  EXPECT_LT(tried, kDraws * 6 / 10);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(am.TableOf(*am.Select(true, kNow, rng)), AddrTable::kNew);
}

// An address attempted a moment ago is drawn far less often than a fresh one.
TEST(AddrManTest, RecentAttemptsLowerTheChance) {
  auto am = Make();
  AddrMan::Rng rng(8);
  const auto tried_now = V4(1, 1, 1, 1);
  const auto fresh = V4(2, 2, 2, 2);
  am.Add(tried_now, {}, kNow, kNow, rng);
  am.Add(fresh, {}, kNow, kNow, rng);
  am.Attempt(tried_now, kNow);
  int fresh_picks = 0;
  for (int i = 0; i < 1000; ++i) fresh_picks += am.Select(true, kNow, rng) == fresh;
  EXPECT_GT(fresh_picks, 900);
}

TEST(AddrManTest, RestorePutsEntriesBackAndReportsChanges) {
  auto am = Make();
  AddrMan::Entry entry;
  entry.last_seen = kNow;
  const auto a = V4(3, 3, 3, 3);
  const auto b = V4(4, 4, 4, 4);
  am.Restore(a, entry, /*tried=*/true);
  am.Restore(b, entry, /*tried=*/false);
  EXPECT_EQ(am.TableOf(a), AddrTable::kTried);
  EXPECT_EQ(am.TableOf(b), AddrTable::kNew);
  EXPECT_EQ(am.TakeChanged().size(), 2u);
  EXPECT_TRUE(am.TakeChanged().empty());
}

// Random operations keep the counts equal to what the tables hold (no leaked or doubly counted
// entries through slot replacement, tried eviction and collisions).
TEST(AddrManTest, CountsStayConsistentUnderRandomOperations) {
  auto am = Make(9);
  AddrMan::Rng rng(11);
  std::vector<wire::NetAddress> pool;
  for (int i = 0; i < 3000; ++i) {
    pool.push_back(V4(static_cast<uint8_t>(1 + i % 3), 7, static_cast<uint8_t>(i / 250),
                      static_cast<uint8_t>(i % 250 + 1)));
  }
  int64_t now = kNow;
  for (int step = 0; step < 20000; ++step) {
    const auto& address = pool[rng() % pool.size()];
    switch (rng() % 6) {
      case 0:
      case 1: am.Add(address, "4:" + std::to_string(rng() % 4), now, now, rng); break;
      case 2: am.Good(address, now); break;
      case 3: am.Attempt(address, now); break;
      case 4: am.ResolveCollisions(now); break;
      case 5: if (rng() % 20 == 0) am.Remove(address); break;
    }
    now += 7;
  }
  size_t in_new = 0;
  size_t in_tried = 0;
  for (const auto& address : pool) {
    in_new += am.TableOf(address) == AddrTable::kNew;
    in_tried += am.TableOf(address) == AddrTable::kTried;
  }
  EXPECT_EQ(in_new, am.NewCount());
  EXPECT_EQ(in_tried, am.TriedCount());
  EXPECT_GT(in_tried, 0u);
  EXPECT_GT(in_new, 0u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(am.Select(false, now, rng));
}

}  // namespace
}  // namespace parthenon::p2p

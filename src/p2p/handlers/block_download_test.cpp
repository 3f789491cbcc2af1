#include "p2p/handlers/block_download.h"

#include <gtest/gtest.h>

#include <set>

#include "util/clock.h"

namespace parthenon::p2p {
namespace {

using namespace std::chrono_literals;

crypto::Uint256 HashAt(int32_t height) {
  crypto::Uint256 hash;
  hash.data()[0] = static_cast<std::byte>(height);
  hash.data()[1] = static_cast<std::byte>(height >> 8);
  hash.data()[31] = std::byte{1};  // never the null hash
  return hash;
}

// A linear header chain 0..header_height of which 0..tip_height is connected.
class FakeChain final : public BlockDownload::Context {
 public:
  int32_t tip_height = 0;
  int32_t header_height = 0;
  std::set<crypto::Uint256> have;
  std::map<PeerId, int32_t> heights;
  std::map<PeerId, std::set<crypto::Uint256>> announced;

  BlockDownload::ChainPoint Tip() const override { return {HashAt(tip_height), tip_height}; }
  BlockDownload::ChainPoint HeaderTip() const override { return {HashAt(header_height), header_height}; }
  std::optional<crypto::Uint256> ActiveHash(int32_t height) const override {
    if (height > tip_height) return std::nullopt;
    return HashAt(height);
  }
  std::optional<crypto::Uint256> Parent(const crypto::Uint256& hash) const override {
    for (int32_t h = 1; h <= header_height; ++h) {
      if (HashAt(h) == hash) return HashAt(h - 1);
    }
    return std::nullopt;
  }
  bool Have(const crypto::Uint256& hash) const override { return have.contains(hash); }
  int32_t PeerHeight(PeerId peer) const override {
    auto it = heights.find(peer);
    return it == heights.end() ? 0 : it->second;
  }
  bool PeerHas(PeerId peer, const crypto::Uint256& hash) const override {
    auto it = announced.find(peer);
    return it != announced.end() && it->second.contains(hash);
  }
};

// The blocks requested of each peer by the getdata messages in `fx`.
std::map<PeerId, std::vector<crypto::Uint256>> Requested(const Effects& fx) {
  std::map<PeerId, std::vector<crypto::Uint256>> out;
  for (const auto& [peer, message] : fx.sends) {
    const auto* getdata = std::get_if<wire::GetData>(&message);
    if (!getdata) continue;
    for (const auto& item : getdata->items) {
      EXPECT_EQ(item.type, wire::InvType::kWitnessBlock);
      out[peer].push_back(item.hash);
    }
  }
  return out;
}

class BlockDownloadTest : public ::testing::Test {
 protected:
  BlockDownloadTest() : download_({.window = 8, .max_in_flight_per_peer = 3, .timeout = 10s}) {}

  SteadyTime Now() const { return clock_.SteadyNow(); }
  void AddPeer(PeerId peer, int32_t height) {
    chain_.heights[peer] = height;
    download_.AddPeer(peer);
  }
  std::map<PeerId, std::vector<crypto::Uint256>> Schedule() {
    Effects fx;
    download_.Rebuild(chain_);
    download_.Schedule(chain_, Now(), fx);
    return Requested(fx);
  }

  util::ManualClock clock_;
  FakeChain chain_;
  BlockDownload download_;
};

TEST_F(BlockDownloadTest, RequestsLowestHeightsFirstWithinThePerPeerCap) {
  chain_.header_height = 20;
  AddPeer(1, 20);
  AddPeer(2, 20);
  auto requested = Schedule();
  ASSERT_EQ(requested.size(), 2u);
  EXPECT_EQ(requested[1].size(), 3u);
  EXPECT_EQ(requested[2].size(), 3u);
  std::set<crypto::Uint256> all(requested[1].begin(), requested[1].end());
  all.insert(requested[2].begin(), requested[2].end());
  for (int32_t h = 1; h <= 6; ++h) EXPECT_TRUE(all.contains(HashAt(h))) << h;
  EXPECT_EQ(download_.InFlight(), 6u);
  // Nothing more while every slot is taken.
  EXPECT_TRUE(Schedule().empty());
}

TEST_F(BlockDownloadTest, WindowBoundsHowFarAheadOfTheTipIsRequested) {
  chain_.header_height = 100;
  for (PeerId p = 1; p <= 5; ++p) AddPeer(p, 100);  // 15 slots, window of 8
  (void)Schedule();
  EXPECT_EQ(download_.InFlight(), 8u);
  for (int32_t h = 1; h <= 8; ++h) EXPECT_TRUE(download_.Owner(HashAt(h))) << h;
  EXPECT_FALSE(download_.Owner(HashAt(9)));
  // Connecting the first two moves the window.
  for (int32_t h = 1; h <= 2; ++h) {
    EXPECT_EQ(download_.OnBlock(HashAt(h), Now()), BlockDownload::Arrival::kRequested);
  }
  chain_.tip_height = 2;
  (void)Schedule();
  EXPECT_TRUE(download_.Owner(HashAt(9)));
  EXPECT_TRUE(download_.Owner(HashAt(10)));
  EXPECT_FALSE(download_.Owner(HashAt(11)));
}

TEST_F(BlockDownloadTest, PrefersAPeerThatAnnouncedTheBlockAndSkipsShortChains) {
  chain_.header_height = 3;
  AddPeer(1, 3);
  AddPeer(2, 3);
  AddPeer(3, 1);  // its chain reaches height 1 only
  chain_.announced[2] = {HashAt(1), HashAt(2), HashAt(3)};
  auto requested = Schedule();
  EXPECT_EQ(requested[2].size(), 3u);
  EXPECT_FALSE(requested.contains(1));
  EXPECT_FALSE(requested.contains(3));
}

TEST_F(BlockDownloadTest, StalledRequestMovesToAnotherPeer) {
  chain_.header_height = 1;
  AddPeer(1, 1);
  auto first = Schedule();
  ASSERT_EQ(first[1], std::vector{HashAt(1)});
  AddPeer(2, 1);
  clock_.Advance(9s);
  EXPECT_TRUE(download_.TakeExpired(Now()).empty());
  clock_.Advance(2s);
  const auto expired = download_.TakeExpired(Now());
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired.at(1), 1u);
  auto second = Schedule();
  EXPECT_FALSE(second.contains(1));
  EXPECT_EQ(second[2], std::vector{HashAt(1)});
  EXPECT_EQ(download_.Owner(HashAt(1)), PeerId{2});
}

TEST_F(BlockDownloadTest, LonePeerThatStalledIsAskedAgain) {
  chain_.header_height = 1;
  AddPeer(1, 1);
  (void)Schedule();
  clock_.Advance(11s);
  (void)download_.TakeExpired(Now());
  EXPECT_EQ(Schedule()[1], std::vector{HashAt(1)});
}

TEST_F(BlockDownloadTest, NotFoundIsNeverAskedOfThatPeerAgain) {
  chain_.header_height = 1;
  AddPeer(1, 1);
  (void)Schedule();
  EXPECT_FALSE(download_.OnNotFound(2, HashAt(1), Now()));  // not its request
  EXPECT_TRUE(download_.OnNotFound(1, HashAt(1), Now()));
  EXPECT_TRUE(Schedule().empty());
  AddPeer(2, 1);
  EXPECT_EQ(Schedule()[2], std::vector{HashAt(1)});
}

TEST_F(BlockDownloadTest, DisconnectFreesRequestsForOthers) {
  chain_.header_height = 2;
  AddPeer(1, 2);
  (void)Schedule();
  EXPECT_EQ(download_.InFlightFor(1), 2u);
  AddPeer(2, 2);
  download_.RemovePeer(1, Now());
  EXPECT_EQ(download_.InFlight(), 0u);
  EXPECT_EQ(Schedule()[2].size(), 2u);
}

TEST_F(BlockDownloadTest, ReceivedBlocksAreNotRequestedAgain) {
  chain_.header_height = 3;
  chain_.have = {HashAt(1), HashAt(3)};
  AddPeer(1, 3);
  EXPECT_EQ(Schedule()[1], std::vector{HashAt(2)});
}

TEST_F(BlockDownloadTest, BlockWantedAgainIsRequestedAfterRescan) {
  chain_.header_height = 3;
  AddPeer(1, 3);
  EXPECT_EQ(Schedule()[1].size(), 3u);
  for (int32_t h = 1; h <= 3; ++h) {
    (void)download_.OnBlock(HashAt(h), Now());
    chain_.have.insert(HashAt(h));
  }
  EXPECT_TRUE(Schedule().empty());
  chain_.have.erase(HashAt(2));  // its validation failed: fetch it again
  download_.Rescan();
  EXPECT_EQ(Schedule()[1], std::vector{HashAt(2)});
}

TEST_F(BlockDownloadTest, DamagedBlockIsRefetchedAndTakenAsRequested) {
  chain_.header_height = chain_.tip_height = 5;
  chain_.have = {HashAt(3)};
  AddPeer(1, 2);  // too short
  AddPeer(2, 5);
  download_.MarkCorrupt(HashAt(3), 3);
  Effects fx;
  download_.RequestRefetches(chain_, Now(), fx);
  auto requested = Requested(fx);
  EXPECT_EQ(requested.size(), 1u);
  EXPECT_EQ(requested[2], std::vector{HashAt(3)});
  // In flight: not asked twice.
  Effects again;
  download_.RequestRefetches(chain_, Now(), again);
  EXPECT_TRUE(again.sends.empty());
  EXPECT_EQ(download_.OnBlock(HashAt(3), Now()), BlockDownload::Arrival::kRefetch);
  EXPECT_EQ(download_.OnBlock(HashAt(3), Now()), BlockDownload::Arrival::kUnrequested);
}

TEST_F(BlockDownloadTest, LateOrDamagedRefetchGoesToTheNextPeer) {
  chain_.header_height = chain_.tip_height = 5;
  AddPeer(1, 5);
  AddPeer(2, 5);
  download_.MarkCorrupt(HashAt(4), 4);
  Effects fx;
  download_.RequestRefetches(chain_, Now(), fx);
  const PeerId first = Requested(fx).begin()->first;
  EXPECT_TRUE(download_.OnNotFound(first, HashAt(4), Now()));
  Effects next;
  download_.RequestRefetches(chain_, Now(), next);
  auto requested = Requested(next);
  ASSERT_EQ(requested.size(), 1u);
  EXPECT_NE(requested.begin()->first, first);
}

TEST_F(BlockDownloadTest, BetterBranchIsDownloadedFromTheForkPoint) {
  chain_.header_height = 4;
  chain_.tip_height = 2;
  AddPeer(1, 4);
  EXPECT_EQ(Schedule()[1], (std::vector{HashAt(3), HashAt(4)}));
  EXPECT_EQ(download_.Pending(), 2u);
  chain_.tip_height = 4;
  (void)download_.OnBlock(HashAt(3), Now());
  (void)download_.OnBlock(HashAt(4), Now());
  (void)Schedule();
  EXPECT_EQ(download_.Pending(), 0u);
}

TEST_F(BlockDownloadTest, AccountsIdleTimeWhileBlocksAreWantedButNoneInFlight) {
  chain_.header_height = 2;
  (void)Schedule();  // no peer yet: wanted, nothing in flight
  clock_.Advance(3s);
  AddPeer(1, 2);
  (void)Schedule();
  clock_.Advance(5s);
  (void)download_.OnBlock(HashAt(1), Now());
  (void)download_.OnBlock(HashAt(2), Now());
  clock_.Advance(1s);  // both received, not connected yet: wanted, none in flight
  chain_.tip_height = 2;
  (void)Schedule();
  clock_.Advance(7s);  // done: not accounted
  (void)Schedule();
  EXPECT_EQ(download_.Times().idle, 4s);
  EXPECT_EQ(download_.Times().active, 5s);
}

}  // namespace
}  // namespace parthenon::p2p

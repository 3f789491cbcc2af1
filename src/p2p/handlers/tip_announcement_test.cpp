#include "p2p/handlers/tip_announcement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace parthenon::p2p {
namespace {

// A header chain 0..20 (0 is genesis) and what one peer knows of it.
class TipAnnouncementTest : public ::testing::Test {
 protected:
  TipAnnouncementTest() {
    primitives::BlockHeader header;
    for (uint32_t height = 0; height <= 20; ++height) {
      header.time = 1'000 + height;
      chain_.push_back(header);
      by_hash_[header.Hash()] = header;
      header.prev_block = header.Hash();
    }
  }

  crypto::Uint256 Hash(size_t height) const { return chain_[height].Hash(); }

  std::optional<wire::Message> Announce(size_t tip, bool prefers_headers) {
    return AnnounceTipTo({
        .tip = Hash(tip),
        .genesis = Hash(0),
        .prefers_headers = prefers_headers,
        .header = [this](const crypto::Uint256& hash) -> std::optional<primitives::BlockHeader> {
          auto it = by_hash_.find(hash);
          if (it == by_hash_.end()) return std::nullopt;
          return it->second;
        },
        .peer_knows = [this](const crypto::Uint256& hash) { return known_.contains(hash); },
    });
  }

  std::vector<primitives::BlockHeader> chain_;
  std::map<crypto::Uint256, primitives::BlockHeader> by_hash_;
  std::set<crypto::Uint256> known_;
};

TEST_F(TipAnnouncementTest, NothingForAPeerThatHasTheTip) {
  known_ = {Hash(10)};
  EXPECT_FALSE(Announce(10, true));
  EXPECT_FALSE(Announce(10, false));
}

TEST_F(TipAnnouncementTest, OneHeaderWhenThePeerHasTheParent) {
  known_ = {Hash(9)};
  const auto message = Announce(10, true);
  ASSERT_TRUE(message);
  const auto& headers = std::get<wire::Headers>(*message).headers;
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0], chain_[10]);
}

TEST_F(TipAnnouncementTest, EightHeadersOldestFirstWhenThePeerIsEightBehind) {
  known_ = {Hash(12)};
  const auto message = Announce(20, true);
  ASSERT_TRUE(message);
  const auto& headers = std::get<wire::Headers>(*message).headers;
  ASSERT_EQ(headers.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(headers[i], chain_[13 + i]) << i;
}

TEST_F(TipAnnouncementTest, InvWhenThePeerIsMoreThanEightBehind) {
  known_ = {Hash(11)};
  const auto message = Announce(20, true);
  ASSERT_TRUE(message);
  const auto& inv = std::get<wire::Inv>(*message);
  ASSERT_EQ(inv.items.size(), 1u);
  EXPECT_EQ(inv.items[0].type, wire::InvType::kBlock);
  EXPECT_EQ(inv.items[0].hash, Hash(20));
}

TEST_F(TipAnnouncementTest, GenesisCountsAsKnown) {
  const auto message = Announce(3, true);
  ASSERT_TRUE(message);
  const auto& headers = std::get<wire::Headers>(*message).headers;
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers.front(), chain_[1]);
}

TEST_F(TipAnnouncementTest, InvForAPeerWithoutSendHeaders) {
  known_ = {Hash(9)};
  const auto message = Announce(10, false);
  ASSERT_TRUE(message);
  EXPECT_EQ(std::get<wire::Inv>(*message).items.at(0).hash, Hash(10));
}

TEST_F(TipAnnouncementTest, InvWhenOurHeaderChainHasAGap) {
  known_ = {Hash(5)};
  by_hash_.erase(Hash(7));
  const auto message = Announce(8, true);
  ASSERT_TRUE(message);
  EXPECT_TRUE(std::holds_alternative<wire::Inv>(*message));
}

}  // namespace
}  // namespace parthenon::p2p

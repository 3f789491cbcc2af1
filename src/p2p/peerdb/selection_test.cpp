#include "p2p/peerdb/selection.h"

#include <gtest/gtest.h>

#include <set>

#include "p2p/peerdb/netgroup.h"

namespace parthenon::p2p {
namespace {

wire::NetAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port = 8333) {
  return wire::NetAddress::FromIPv4({a, b, c, d}, port);
}

// Fills `slots` outbound connections by repeated selection.
std::vector<OutboundPeer> Fill(const std::vector<OutboundCandidate>& candidates, size_t slots) {
  std::vector<OutboundPeer> current;
  SelectionRules rules;
  rules.now = 1'000'000;
  while (current.size() < slots) {
    auto next = SelectOutbound(candidates, current, rules);
    if (!next) break;
    OutboundPeer peer{*next, {}, {}};
    for (const auto& c : candidates) {
      if (c.address == *next) peer = {c.address, c.country, c.source_group};
    }
    current.push_back(peer);
  }
  return current;
}

TEST(SelectionTest, OutboundIsNetgroupDiverseEvenWhenOneSlash16Dominates) {
  std::vector<OutboundCandidate> candidates;
  for (int i = 0; i < 5000; ++i) {  // one /16, excellent scores
    candidates.push_back({V4(10, 1, static_cast<uint8_t>(i / 250), static_cast<uint8_t>(i % 250)),
                          90.0, "", "", 0});
  }
  for (uint8_t g = 0; g < 10; ++g) candidates.push_back({V4(20, g, 0, 1), 40.0, "", "", 0});
  const auto chosen = Fill(candidates, 8);
  ASSERT_EQ(chosen.size(), 8u);
  std::set<std::string> groups;
  for (const auto& peer : chosen) groups.insert(NetGroup(peer.address));
  EXPECT_EQ(groups.size(), 8u);
  EXPECT_EQ(NetGroup(chosen[0].address), "4:10.1");  // the best score still comes first
}

TEST(SelectionTest, FloodFromOneSourceCannotFillAllSlots) {
  std::vector<OutboundCandidate> candidates;
  // The attacker's addr flood: 2000 addresses in 2000 /16s, all from source group 4:66.6.
  for (int i = 0; i < 2000; ++i) {
    candidates.push_back({V4(static_cast<uint8_t>(100 + i / 250), static_cast<uint8_t>(i % 250),
                             1, 1),
                          60.0, "", "4:66.6", 0});
  }
  // Honest addresses from other sources, lower scores.
  for (uint8_t g = 0; g < 10; ++g) {
    candidates.push_back({V4(30, g, 0, 1), 50.0, "", "4:" + std::to_string(g) + ".0", 0});
  }
  const auto chosen = Fill(candidates, 8);
  ASSERT_EQ(chosen.size(), 8u);
  size_t attacker = 0;
  for (const auto& peer : chosen) attacker += peer.source_group == "4:66.6";
  EXPECT_EQ(attacker, 2u);
}

TEST(SelectionTest, SkipsConnectedRecentlyTriedAndPortZero) {
  SelectionRules rules;
  rules.now = 1000;
  std::vector<OutboundCandidate> candidates = {
      {V4(1, 1, 1, 1), 90, "", "", 990},  // tried 10 s ago
      {V4(2, 2, 2, 2, 0), 80, "", "", 0},  // not dialable
      {V4(3, 3, 3, 3), 70, "", "", 0},
  };
  EXPECT_EQ(SelectOutbound(candidates, {}, rules), V4(3, 3, 3, 3));
  std::vector<OutboundPeer> current = {{V4(3, 3, 3, 3), "", ""}};
  EXPECT_EQ(SelectOutbound(candidates, current, rules), std::nullopt);
}

TEST(SelectionTest, GeographyBreaksTies) {
  SelectionRules rules;
  std::vector<OutboundCandidate> candidates = {
      {V4(1, 1, 1, 1), 60, "US", "", 0},
      {V4(2, 2, 2, 2), 60, "JP", "", 0},
  };
  std::vector<OutboundPeer> current = {{V4(9, 9, 9, 9), "US", ""}};
  EXPECT_EQ(SelectOutbound(candidates, current, rules), V4(2, 2, 2, 2));
}

EvictionCandidate Inbound(PeerId id, wire::NetAddress address, int64_t since) {
  EvictionCandidate c;
  c.id = id;
  c.address = address;
  c.connected_since = since;
  c.min_ping = std::chrono::microseconds(100'000 + id);  // higher ids ping worse
  return c;
}

TEST(EvictionTest, LowScoreGoesFirst) {
  std::vector<EvictionCandidate> peers;
  for (PeerId id = 1; id <= 30; ++id) peers.push_back(Inbound(id, V4(10, 0, 0, id), 100));
  peers[17].score = 10;
  EXPECT_EQ(SelectNodeToEvict(peers), 18u);
}

TEST(EvictionTest, EvictsYoungestOfTheLargestNetgroupAndKeepsProtectedCategories) {
  std::vector<EvictionCandidate> peers;
  PeerId id = 1;
  // 20 peers in distinct /16s, old connections.
  for (uint8_t g = 0; g < 20; ++g) peers.push_back(Inbound(id++, V4(50, g, 0, 1), 100 + g));
  // 12 peers from one /16 (an attacker), connected later.
  for (uint8_t i = 0; i < 12; ++i) peers.push_back(Inbound(id++, V4(66, 6, 0, i), 1000 + i));
  // The attacker's fastest ping and a recent block should not save them all.
  const auto victim = SelectNodeToEvict(peers);
  ASSERT_TRUE(victim);
  EXPECT_EQ(*victim, 32u);  // the youngest of 66.6/16
  // A peer that recently relayed a block is protected even in the largest group.
  peers.back().last_block = 5000;
  EXPECT_EQ(SelectNodeToEvict(peers), 31u);
  // Whitelisted peers are never chosen; all protected: nobody is.
  for (auto& p : peers) p.protected_peer = true;
  EXPECT_EQ(SelectNodeToEvict(peers), std::nullopt);
}

}  // namespace
}  // namespace parthenon::p2p

#include "p2p/policy.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace parthenon::p2p {
namespace {

// A store that counts what the policy asks of it; bans after `violations_per_ban`.
class FakeStore final : public PeerStore {
 public:
  bool IsBanned(const wire::NetAddress& address) const override {
    return banned.contains(address.HostString());
  }
  bool RecordViolation(const wire::NetAddress& address, std::string_view) override {
    const int n = ++violations[address.HostString()];
    if (n % 5 == 0) banned.insert(address.HostString());
    return IsBanned(address);
  }
  void RecordWrongChain(const wire::NetAddress& address) override {
    ++wrong_chain[address.HostString()];
  }
  void RecordStall(const wire::NetAddress& address) override { ++stalls[address.HostString()]; }
  void Ban(const Subnet& subnet, std::optional<std::chrono::seconds>, std::string_view) override {
    bans.push_back(subnet);
  }
  bool Unban(const Subnet&) override { return false; }

  std::map<std::string, int> violations, wrong_chain, stalls;
  std::set<std::string> banned;
  std::vector<Subnet> bans;
};

wire::NetAddress Ip(const std::string& text) { return *wire::NetAddress::Parse(text, 8333); }

PeerContext Peer(PeerId id, const std::string& ip, bool manual = false) {
  return {.id = id, .address = Ip(ip), .direction = Direction::kInbound, .manual = manual};
}

TEST(PeerPolicyTest, EveryKindHasOneRuleInOrder) {
  const auto rules = MisbehaviorRules();
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(rules[i].kind), i);
    EXPECT_FALSE(ToString(rules[i].kind).empty());
    EXPECT_GE(rules[i].weight, 0);
    // A rule that ever fires has a reason; one that never fires says ignore.
    if (rules[i].weight == 0) {
      EXPECT_EQ(rules[i].verdict, Verdict::kIgnore);
    }
    if (rules[i].verdict != Verdict::kIgnore) {
      EXPECT_NE(rules[i].reason, DisconnectReason::kNone);
    }
  }
}

TEST(PeerPolicyTest, HonestOdditiesAreIgnoredHoweverOften) {
  FakeStore store;
  PeerPolicy policy({.store = &store});
  for (auto kind : {MisbehaviorKind::kBadChecksum, MisbehaviorKind::kMalformedMessage,
                    MisbehaviorKind::kUnexpectedMessage, MisbehaviorKind::kDuplicateVersion,
                    MisbehaviorKind::kUnresponsive}) {
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(policy.Judge(Peer(1, "10.0.0.1"), {.kind = kind}).verdict, Verdict::kIgnore)
          << ToString(kind);
    }
  }
  EXPECT_TRUE(store.violations.empty());
  EXPECT_EQ(store.stalls["10.0.0.1"], 50);  // late blocks nudge the score
}

TEST(PeerPolicyTest, WrongNetworkAndWrongChainDisconnectWithoutPenalty) {
  FakeStore store;
  PeerPolicy policy({.store = &store});
  const auto network = policy.Judge(Peer(1, "10.0.0.1"), {.kind = MisbehaviorKind::kWrongNetwork});
  EXPECT_EQ(network.verdict, Verdict::kDisconnect);
  EXPECT_EQ(network.reason, DisconnectReason::kWrongNetwork);
  const auto chain = policy.Judge(Peer(2, "10.0.0.2"), {.kind = MisbehaviorKind::kWrongChain});
  EXPECT_EQ(chain.verdict, Verdict::kDisconnect);
  EXPECT_EQ(chain.reason, DisconnectReason::kWrongChain);
  EXPECT_EQ(store.wrong_chain["10.0.0.2"], 1);
  EXPECT_TRUE(store.violations.empty());
}

TEST(PeerPolicyTest, ConsensusViolationsDiscourageAndTheFifthBans) {
  FakeStore store;
  PeerPolicy policy({.store = &store});
  for (PeerId id = 1; id <= 4; ++id) {
    const auto j = policy.Judge(Peer(id, "10.0.0.9"), {.kind = MisbehaviorKind::kInvalidBlock});
    EXPECT_EQ(j.verdict, Verdict::kDiscourage);
    EXPECT_EQ(j.reason, DisconnectReason::kDiscouraged);
    policy.Forget(id);
  }
  const auto fifth = policy.Judge(Peer(5, "10.0.0.9"), {.kind = MisbehaviorKind::kInvalidTransaction});
  EXPECT_EQ(fifth.verdict, Verdict::kBan);
  EXPECT_EQ(fifth.reason, DisconnectReason::kBanned);
  EXPECT_TRUE(policy.IsBanned(Ip("10.0.0.9")));
}

TEST(PeerPolicyTest, SpamIsWarnedOnceThenDiscouraged) {
  FakeStore store;
  PeerPolicy policy({.store = &store});
  EXPECT_EQ(policy.Judge(Peer(1, "10.0.0.3"), {.kind = MisbehaviorKind::kRateLimited}).verdict,
            Verdict::kIgnore);
  EXPECT_EQ(policy.ScoreOf(1), 50);
  EXPECT_EQ(policy.Judge(Peer(1, "10.0.0.3"), {.kind = MisbehaviorKind::kRateLimited}).verdict,
            Verdict::kDiscourage);
  policy.Forget(1);
  EXPECT_EQ(policy.ScoreOf(1), 0);  // a new connection starts clean
}

TEST(PeerPolicyTest, LowWorkDataDisconnectsAfterTenWithoutViolation) {
  FakeStore store;
  PeerPolicy policy({.store = &store});
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(policy.Judge(Peer(1, "10.0.0.4"), {.kind = MisbehaviorKind::kLowWorkData}).verdict,
              Verdict::kIgnore);
  }
  EXPECT_EQ(policy.Judge(Peer(1, "10.0.0.4"), {.kind = MisbehaviorKind::kLowWorkData}).verdict,
            Verdict::kDisconnect);
  EXPECT_TRUE(store.violations.empty());
}

TEST(PeerPolicyTest, ManualAndWhitelistedPeersAreNeverDiscouragedOrBanned) {
  FakeStore store;
  PeerPolicy policy({.store = &store, .whitelist = {"10.9.0.0/16"}});
  for (PeerId id = 1; id <= 10; ++id) {
    const auto manual = policy.Judge(Peer(id, "10.0.0.5", /*manual=*/true),
                                     {.kind = MisbehaviorKind::kInvalidBlock});
    EXPECT_EQ(manual.verdict, Verdict::kDisconnect);
    const auto listed = policy.Judge(Peer(100 + id, "10.9.1.1"),
                                     {.kind = MisbehaviorKind::kOversizedMessage});
    EXPECT_EQ(listed.verdict, Verdict::kDisconnect);
  }
  EXPECT_TRUE(store.violations.empty());
  store.banned.insert("10.9.1.1");
  EXPECT_FALSE(policy.IsBanned(Ip("10.9.1.1")));  // the whitelist wins over a ban entry
}

TEST(PeerPolicyTest, WithoutAStoreNothingIsBanned) {
  PeerPolicy policy;
  for (PeerId id = 1; id <= 10; ++id) {
    EXPECT_EQ(policy.Judge(Peer(id, "10.0.0.6"), {.kind = MisbehaviorKind::kInvalidBlock}).verdict,
              Verdict::kDisconnect);
  }
  EXPECT_FALSE(policy.IsBanned(Ip("10.0.0.6")));
  EXPECT_FALSE(policy.Ban(*Subnet::Parse("10.0.0.0/8"), std::nullopt, "test"));
}

}  // namespace
}  // namespace parthenon::p2p

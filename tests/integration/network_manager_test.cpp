// Multi-node tests of p2p::NetworkManager: real sockets on loopback, several nodes per process,
// each on its own 127.0.0.x address, listeners on port 0. Misbehaving peers are raw sockets
// writing hand-made frames.
#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "p2p/wire/test_messages.h"
#include "test_node.h"

namespace parthenon::p2p::test {
namespace {

// Connects `from` to `to` and waits until both ends are up.
void Link(TestNode& from, TestNode& to) {
  const size_t before_from = from.ConnectedPeers();
  const size_t before_to = to.ConnectedPeers();
  ASSERT_TRUE(from.net().AddPeer(to.ip(), to.port()));
  ASSERT_TRUE(WaitUntil([&] {
    return from.ConnectedPeers() > before_from && to.ConnectedPeers() > before_to;
  }));
}

TEST(NetworkManagerTest, HandshakeConnectsBothSidesAndReportsPeers) {
  TestNode a(TestOptions("127.0.1.1"));
  TestNode b(TestOptions("127.0.1.2"));
  a.Start();
  b.Start();
  Link(b, a);
  const auto peers = a.net().GetPeers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].direction, Direction::kInbound);
  EXPECT_EQ(peers[0].state, PeerState::kConnected);
  EXPECT_EQ(peers[0].version, wire::kProtocolVersion);
  EXPECT_EQ(peers[0].user_agent, "/Parthenon:0.1.0/");
  EXPECT_EQ(peers[0].address.HostString(), "127.0.1.2");
  EXPECT_GE(peers[0].received_per_command.at("version").messages, 1u);
  EXPECT_GE(peers[0].sent_per_command.at("verack").messages, 1u);
  const auto out = b.net().GetPeers();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].direction, Direction::kOutbound);
  EXPECT_EQ(out[0].address.port(), a.port());
  // A ping goes out right after the handshake, so latency is known quickly.
  EXPECT_TRUE(WaitUntil([&] { return b.net().GetPeers().at(0).ping.has_value(); }));
}

TEST(NetworkManagerTest, WrongMagicIsDisconnectedAndNodeKeepsServing) {
  TestNode a(TestOptions("127.0.2.1"));
  a.Start();
  RawPeer raw("127.0.2.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Send(RawPeer::MakeVersion(1), wire::kMainMagic));
  EXPECT_TRUE(raw.WaitClosed());
  auto info = a.WaitDisconnect(DisconnectReason::kWrongNetwork);
  ASSERT_TRUE(info);
  EXPECT_NE(info->disconnect_detail.find("magic"), std::string::npos) << info->disconnect_detail;
  TestNode b(TestOptions("127.0.2.3"));
  b.Start();
  Link(b, a);
}

TEST(NetworkManagerTest, TooOldVersionIsRejected) {
  TestNode a(TestOptions("127.0.3.1"));
  a.Start();
  RawPeer raw("127.0.3.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Send(RawPeer::MakeVersion(1, 70000)));
  EXPECT_TRUE(raw.WaitClosed());
  EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kObsoleteVersion));
  EXPECT_EQ(a.ConnectedCallbacks(), 0u);
}

TEST(NetworkManagerTest, SelfConnectionIsDetectedByNonce) {
  TestNode a(TestOptions("127.0.4.1"));
  a.Start();
  ASSERT_TRUE(a.net().AddPeer(a.ip(), a.port()));
  EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kSelfConnection));
  a.net().RemovePeer(a.ip(), a.port());
  EXPECT_EQ(a.ConnectedCallbacks(), 0u);
}

TEST(NetworkManagerTest, SilentPeerHitsHandshakeTimeout) {
  auto options = TestOptions("127.0.5.1");
  options.handshake_timeout = 200ms;
  TestNode a(options);
  a.Start();
  RawPeer raw("127.0.5.2", a.ip(), a.port());
  EXPECT_TRUE(raw.WaitClosed());
  EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kHandshakeTimeout));
}

TEST(NetworkManagerTest, GarbageBytesAreMisbehaviour) {
  TestNode a(TestOptions("127.0.6.1"));
  a.Start();
  {
    RawPeer raw("127.0.6.2", a.ip(), a.port());
    util::Bytes garbage(200);
    std::mt19937_64 rng(7);
    for (auto& b : garbage) b = std::byte(rng());
    ASSERT_TRUE(raw.SendBytes(garbage));
    EXPECT_TRUE(raw.WaitClosed());
    EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kWrongNetwork));
  }
  {
    // Right magic, corrupted payload: bad checksum. The frame is dropped (Bitcoin Core) and the
    // stream stays in sync: the next, intact VERSION is served.
    RawPeer raw("127.0.6.3", a.ip(), a.port());
    auto frame = wire::EncodeFrame(kMagic, RawPeer::MakeVersion(9));
    frame.back() ^= std::byte{1};
    ASSERT_TRUE(raw.SendBytes(frame));
    EXPECT_TRUE(raw.Handshake(10));
    EXPECT_TRUE(WaitUntil([&] { return a.ConnectedPeers() == 1; }));
  }
}

TEST(NetworkManagerTest, OversizeFrameIsRejectedFromItsHeader) {
  TestNode a(TestOptions("127.0.7.1"));
  a.Start();
  RawPeer raw("127.0.7.2", a.ip(), a.port());
  // A `version` header claiming 100 KB (cap 1 KiB); no payload follows.
  auto frame = wire::EncodeFrame(kMagic, "version", util::Bytes(8));
  util::WriteLE<uint32_t>(frame.data() + 16, 100'000);
  frame.resize(wire::kFrameHeaderSize);
  ASSERT_TRUE(raw.SendBytes(frame));
  EXPECT_TRUE(raw.WaitClosed());
  auto info = a.WaitDisconnect(DisconnectReason::kMisbehavior);
  ASSERT_TRUE(info);
  EXPECT_NE(info->disconnect_detail.find("cap"), std::string::npos) << info->disconnect_detail;
}

// Honest software does this (Bitcoin Core ignores it): no penalty, the handshake still works,
// and a second VERACK or a VERSION with extra trailing fields changes nothing.
TEST(NetworkManagerTest, HandshakeOdditiesAreIgnored) {
  TestNode a(TestOptions("127.0.8.1"));
  a.Start();
  RawPeer raw("127.0.8.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Send(wire::Ping{5}));
  auto version = wire::EncodeFrame(kMagic, "version", [] {
    auto payload = wire::Encode(RawPeer::MakeVersion(11));
    payload.push_back(std::byte{1});  // relay
    payload.push_back(std::byte{0x2a});  // a field from the future
    return payload;
  }());
  ASSERT_TRUE(raw.SendBytes(version));
  ASSERT_TRUE(raw.ReadUntil<wire::Verack>());
  ASSERT_TRUE(raw.Send(wire::Verack{}));
  ASSERT_TRUE(raw.Send(wire::Verack{}));
  ASSERT_TRUE(raw.Send(RawPeer::MakeVersion(12)));
  ASSERT_TRUE(raw.Send(wire::Ping{6}));
  auto pong = raw.ReadUntil<wire::Pong>();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->nonce, 6u);  // the ping before VERSION got no answer
  EXPECT_EQ(a.ConnectedPeers(), 1u);
}

TEST(NetworkManagerTest, DuplicateConnectionsAreRefused) {
  TestNode a(TestOptions("127.0.9.1"));
  TestNode b(TestOptions("127.0.9.2"));
  a.Start();
  b.Start();
  Link(b, a);
  EXPECT_EQ(b.net().AddPeer(a.ip(), a.port()).error(), NetError::kDuplicate);
  // Two raw connections presenting the same VERSION nonce: the second is a duplicate.
  RawPeer first("127.0.9.3", a.ip(), a.port());
  ASSERT_TRUE(first.Handshake(77));
  RawPeer second("127.0.9.4", a.ip(), a.port());
  ASSERT_TRUE(second.Send(RawPeer::MakeVersion(77)));
  EXPECT_TRUE(second.WaitClosed());
  EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kDuplicate));
  EXPECT_EQ(a.ConnectedPeers(), 2u);
}

TEST(NetworkManagerTest, InboundLimitHoldsUnderAConnectionFlood) {
  auto options = TestOptions("127.0.10.1");
  options.max_inbound = 8;
  options.max_connections = 9;
  TestNode a(options);
  std::atomic<int> echoes{0};
  TestNode b(TestOptions("127.0.10.2"));
  b.OnMessage([&](PeerId, const wire::Message& m) {
    if (std::holds_alternative<wire::GetAddr>(m)) ++echoes;
  });
  a.Start();
  b.Start();
  Link(b, a);
  const PeerId b_at_a = a.net().GetPeers().at(0).id;

  // 400 connection attempts (all kept open) from one address while B keeps exchanging messages with A.
  std::atomic<bool> flooding{true};
  std::atomic<size_t> max_inbound_seen{0};
  std::thread watcher([&] {
    while (flooding) {
      const size_t inbound = a.net().GetStats().inbound;
      if (inbound > max_inbound_seen) max_inbound_seen = inbound;
      (void)a.net().Send(b_at_a, wire::GetAddr{});
      std::this_thread::sleep_for(1ms);
    }
  });
  std::vector<std::unique_ptr<RawPeer>> flood;
  for (int i = 0; i < 400; ++i) {
    flood.push_back(std::make_unique<RawPeer>("127.0.10.3", a.ip(), a.port()));
  }
  flooding = false;
  watcher.join();
  EXPECT_LE(max_inbound_seen.load(), 8u);
  // Every attempt was answered (admitted or refused at once); the accept loop kept up.
  EXPECT_TRUE(WaitUntil([&] { return a.net().GetStats().accepted == 401; }));
  // B holds one of the 8 inbound slots; 7 flood connections got the rest.
  EXPECT_EQ(a.net().GetStats().refused_inbound, 393u);
  // B was never disturbed, and its link still works.
  for (const auto& closed : a.Disconnected()) EXPECT_NE(closed.id, b_at_a);
  const int before = echoes;
  ASSERT_TRUE(a.net().Send(b_at_a, wire::GetAddr{}));
  EXPECT_TRUE(WaitUntil([&] { return echoes > before; }));
  EXPECT_GT(before, 0);
}

TEST(NetworkManagerTest, PerIpInboundLimit) {
  auto options = TestOptions("127.0.11.1");
  options.exempt_loopback_from_ip_limit = false;
  options.max_inbound_per_ip = 3;
  TestNode a(options);
  a.Start();
  std::vector<std::unique_ptr<RawPeer>> same_ip;
  for (int i = 0; i < 5; ++i) {
    same_ip.push_back(std::make_unique<RawPeer>("127.0.11.2", a.ip(), a.port()));
  }
  EXPECT_TRUE(WaitUntil([&] { return a.net().GetStats().accepted == 5; }));
  EXPECT_EQ(a.net().GetStats().inbound, 3u);
  EXPECT_EQ(a.net().GetStats().refused_inbound, 2u);
  RawPeer other("127.0.11.3", a.ip(), a.port());
  EXPECT_TRUE(WaitUntil([&] { return a.net().GetStats().inbound == 4; }));
  EXPECT_TRUE(other.Handshake());
}

TEST(NetworkManagerTest, NonReadingPeerIsCutAtItsQueueCapOthersKeepFlowing) {
  auto options = TestOptions("127.0.12.1");
  options.max_send_queue_bytes = 256 * 1024;
  TestNode a(options);
  std::atomic<int> received{0};
  TestNode b(TestOptions("127.0.12.2"));
  b.OnMessage([&](PeerId, const wire::Message& m) {
    if (std::holds_alternative<wire::Inv>(m)) ++received;
  });
  a.Start();
  b.Start();
  Link(b, a);
  RawPeer stuck("127.0.12.3", a.ip(), a.port());
  stuck.SetReceiveBuffer(4096);
  ASSERT_TRUE(stuck.Handshake());
  ASSERT_TRUE(WaitUntil([&] { return a.ConnectedPeers() == 2; }));

  wire::Inv inv;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) inv.items.push_back({wire::InvType::kTx, wire::test::RandomHash(rng)});
  // ~36 KB per message; 600 of them is ~21 MB, far beyond kernel buffers plus the 256 KiB cap.

  // Five at a time (180 KB, within B's cap), waiting for B to take each round.
  for (int round = 0; round < 120; ++round) {
    for (int i = 0; i < 5; ++i) a.net().Broadcast(inv);
    ASSERT_TRUE(WaitUntil([&] { return received >= 5 * (round + 1); })) << "round " << round;
  }
  auto cut = a.WaitDisconnect(DisconnectReason::kSendQueueFull);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->address.HostString(), "127.0.12.3");
  EXPECT_EQ(received.load(), 600);
  EXPECT_EQ(b.ConnectedPeers(), 1u);
}

TEST(NetworkManagerTest, PingsKeepAnIdleLinkAliveAndMeasureLatency) {
  auto options = TestOptions("127.0.13.1");
  options.ping_interval = 50ms;
  options.ping_timeout = 400ms;
  options.inactivity_timeout = 400ms;
  TestNode a(options);
  auto options_b = options;
  options_b.bind_addresses = {"127.0.13.2"};
  options_b.outbound_bind_address = "127.0.13.2";
  TestNode b(options_b);
  a.Start();
  b.Start();
  Link(b, a);
  std::this_thread::sleep_for(1200ms);  // three inactivity periods with no application traffic
  EXPECT_EQ(a.ConnectedPeers(), 1u);
  EXPECT_EQ(b.ConnectedPeers(), 1u);
  EXPECT_TRUE(a.Disconnected().empty());
  const auto peer = a.net().GetPeers().at(0);
  ASSERT_TRUE(peer.ping);
  EXPECT_GT(peer.ping->count(), 0);
  EXPECT_GE(peer.sent_per_command.at("ping").messages, 5u);
  EXPECT_GE(peer.received_per_command.at("pong").messages, 5u);
}

TEST(NetworkManagerTest, AddNodeByNameAndPortConnects) {
  auto options = TestOptions("127.0.0.1");
  TestNode a(options);
  a.Start();
  auto options_b = TestOptions("127.0.0.1");
  options_b.add_nodes = {"localhost:" + std::to_string(a.port())};  // a name, as --addnode allows
  TestNode b(options_b);
  b.Start();
  EXPECT_TRUE(WaitUntil([&] { return a.ConnectedPeers() == 1 && b.ConnectedPeers() == 1; }));
}

TEST(NetworkManagerTest, PingAllPingsEveryPeerNow) {
  auto options = TestOptions("127.0.13.3");
  options.ping_interval = std::chrono::hours(1);  // only the first ping and PingAll's
  TestNode a(options);
  auto options_b = options;
  options_b.bind_addresses = {"127.0.13.4"};
  options_b.outbound_bind_address = "127.0.13.4";
  TestNode b(options_b);
  a.Start();
  b.Start();
  Link(b, a);
  auto pongs = [&a] {
    const auto peers = a.net().GetPeers();
    if (peers.empty()) return uint64_t{0};
    const auto it = peers[0].received_per_command.find("pong");
    return it == peers[0].received_per_command.end() ? uint64_t{0} : it->second.messages;
  };
  ASSERT_TRUE(WaitUntil([&] { return pongs() == 1; }));  // the ping sent on connect
  EXPECT_EQ(a.net().PingAll(), 1u);
  ASSERT_TRUE(WaitUntil([&] { return pongs() == 2; }));
  EXPECT_TRUE(a.net().GetPeers().at(0).ping.has_value());
}

TEST(NetworkManagerTest, InactivityAndUnansweredPingsDisconnect) {
  {
    auto options = TestOptions("127.0.14.1");
    options.inactivity_timeout = 300ms;
    TestNode a(options);
    a.Start();
    RawPeer raw("127.0.14.2", a.ip(), a.port());
    ASSERT_TRUE(raw.Handshake());
    EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kInactivity));
  }
  {
    auto options = TestOptions("127.0.14.3");
    options.ping_interval = 50ms;
    options.ping_timeout = 300ms;
    TestNode a(options);
    a.Start();
    RawPeer raw("127.0.14.4", a.ip(), a.port());
    ASSERT_TRUE(raw.Handshake());  // then never answers a ping
    EXPECT_TRUE(a.WaitDisconnect(DisconnectReason::kPingTimeout));
  }
}

TEST(NetworkManagerTest, BroadcastReachesEveryPeerExactlyOnce) {
  TestNode hub(TestOptions("127.0.15.1"));
  hub.Start();
  std::vector<std::unique_ptr<TestNode>> leaves;
  for (int i = 2; i <= 4; ++i) {
    leaves.push_back(std::make_unique<TestNode>(TestOptions("127.0.15." + std::to_string(i))));
    leaves.back()->Start();
    Link(*leaves.back(), hub);
  }
  std::mt19937_64 rng(3);
  EXPECT_EQ(hub.net().BroadcastBlock(wire::test::GenesisBlock()), 3u);
  EXPECT_EQ(hub.net().BroadcastTransaction(wire::test::WitnessTransaction(rng)), 3u);
  for (auto& leaf : leaves) {
    EXPECT_TRUE(WaitUntil([&] { return !leaf->Blocks().empty() && !leaf->Transactions().empty(); }));
  }
  std::this_thread::sleep_for(100ms);  // anything extra would have arrived by now
  for (auto& leaf : leaves) {
    ASSERT_EQ(leaf->Blocks().size(), 1u);
    EXPECT_EQ(leaf->Blocks().begin()->second, 1);
    ASSERT_EQ(leaf->Transactions().size(), 1u);
    EXPECT_EQ(leaf->Transactions().begin()->second, 1);
  }
  EXPECT_TRUE(hub.Blocks().empty());
}

// Records misbehaviour and never disconnects, to observe what the session reports.
class RecordingPolicy final : public PeerPolicy {
 public:
  bool IsBanned(const wire::NetAddress& address) const override {
    return address.HostString() == "127.0.16.9";
  }
  Judgement Judge(const PeerContext&, const Misbehavior& m) override {
    std::lock_guard lock(mutex_);
    kinds_.push_back(m.kind);
    return {};
  }
  bool Saw(MisbehaviorKind kind) {
    std::lock_guard lock(mutex_);
    return std::find(kinds_.begin(), kinds_.end(), kind) != kinds_.end();
  }

 private:
  std::mutex mutex_;
  std::vector<MisbehaviorKind> kinds_;
};

TEST(NetworkManagerTest, RateLimitPausesReadingWithoutDroppingAndReportsAbuse) {
  RecordingPolicy policy;
  auto options = TestOptions("127.0.16.1");
  options.policy = &policy;
  options.max_messages_per_second = 1000;
  options.message_burst = 100;
  options.rate_abuse_window = 200ms;
  options.rate_abuse_fraction = 0.3;
  TestNode a(options);
  a.Start();
  RawPeer raw("127.0.16.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Handshake());
  util::Bytes burst;
  for (uint64_t i = 1; i <= 600; ++i) {
    auto frame = wire::EncodeFrame(kMagic, wire::Ping{i});
    burst.insert(burst.end(), frame.begin(), frame.end());
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(raw.SendBytes(burst));
  std::set<uint64_t> pongs;
  while (pongs.size() < 600) {
    auto message = raw.Read(3s);
    ASSERT_TRUE(message) << pongs.size() << " pongs";
    if (auto* pong = std::get_if<wire::Pong>(&*message); pong && pong->nonce <= 600) {
      pongs.insert(pong->nonce);
    }
  }
  // The reader pauses before the next read, so the last read's messages (at most 8 KiB / 32 B =
  // 256 pings) are free: 600 - 100 (burst) - 256 = 244 messages at 1000/s take >= 244 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 240ms);
  EXPECT_TRUE(policy.Saw(MisbehaviorKind::kRateLimited));
  EXPECT_EQ(a.ConnectedPeers(), 1u);

  // The admission hook refuses a banned address at accept.
  RawPeer banned("127.0.16.9", a.ip(), a.port());
  EXPECT_TRUE(banned.WaitClosed());
  EXPECT_EQ(a.net().GetStats().refused_inbound, 1u);
}

TEST(NetworkManagerTest, StopClosesEverySessionPromptly) {
  TestNode hub(TestOptions("127.0.17.1"));
  hub.Start();
  std::vector<std::unique_ptr<TestNode>> leaves;
  for (int i = 2; i <= 4; ++i) {
    leaves.push_back(std::make_unique<TestNode>(TestOptions("127.0.17." + std::to_string(i))));
    leaves.back()->Start();
    Link(*leaves.back(), hub);
  }
  RawPeer silent("127.0.17.9", hub.ip(), hub.port());  // mid-handshake
  ASSERT_TRUE(WaitUntil([&] { return hub.net().GetStats().inbound == 4; }));
  const auto start = std::chrono::steady_clock::now();
  hub.net().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  const auto closed = hub.Disconnected();
  EXPECT_EQ(closed.size(), 4u);
  for (const auto& info : closed) EXPECT_EQ(info.disconnect_reason, DisconnectReason::kShutdown);
  EXPECT_TRUE(hub.net().GetPeers().empty());
  for (auto& leaf : leaves) {
    EXPECT_TRUE(WaitUntil([&] { return leaf->ConnectedPeers() == 0; }));
  }
}

}  // namespace
}  // namespace parthenon::p2p::test

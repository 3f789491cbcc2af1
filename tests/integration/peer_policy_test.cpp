// Issue 11 "Must be shown" (misbehaviour policy, transport and connection handling), driven by
// raw frames on sockets against full in-process nodes (chainstate + network manager + ChainSync
// + peer database). Every address is 127.90.x.y. Relay behaviour is in peer_relay_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "consensus/script.h"
#include "peer_policy_support.h"

namespace parthenon::p2p::test {
namespace {

// Mirrors relay.cpp's kMaxQueuedGetData (getdata entries queued per peer; the rest notfound).
constexpr size_t kMaxQueuedGetData = 5000;

// A frame header alone (no payload) announcing `length` bytes of `command`.
util::Bytes FrameHeader(std::string_view command, uint32_t length) {
  util::Bytes header(wire::kFrameHeaderSize, std::byte{0});
  std::copy(kMagic.begin(), kMagic.end(), header.begin());
  for (size_t i = 0; i < command.size(); ++i) header[4 + i] = static_cast<std::byte>(command[i]);
  util::WriteLE<uint32_t>(header.data() + 16, length);
  return header;
}

// An inv whose CompactSize count is 50,001: above the protocol cap (clear malice, discouraged).
util::Bytes OversizedInv() {
  primitives::Writer count;
  count.CompactSize(wire::kMaxInvEntries + 1);
  return wire::EncodeFrame(kMagic, "inv", count.bytes());
}

crypto::Uint256 RandomHash(std::mt19937_64& rng) {
  std::array<std::byte, 32> bytes{};
  for (auto& b : bytes) b = static_cast<std::byte>(rng());
  return crypto::Uint256(bytes);
}

// VmRSS of this process in bytes (every node of the test runs in it).
uint64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Handshakes announcing `source`'s chain, answers the node's getheaders with all its headers and
// returns the node's first getdata (nullopt if a step fails).
std::optional<wire::GetData> AnnounceChainOf(RawPeer& raw, uint64_t nonce, SyncNode& source) {
  const auto headers = source.chain().HeadersAfter(
      std::vector{source.chain().params().genesis_hash}, crypto::Uint256(), 2000);
  auto version = RawPeer::MakeVersion(nonce);
  version.start_height = static_cast<int32_t>(headers.size());
  if (!HandshakeWith(raw, version) || !raw.ReadUntil<wire::GetHeaders>() ||
      !raw.Send(wire::Headers{headers})) {
    return std::nullopt;
  }
  return raw.ReadUntil<wire::GetData>();
}

// `count` frames of make(i) back to back: written at once, the node reads them as a burst.
util::Bytes Burst(size_t count, const std::function<wire::Message(size_t)>& make) {
  util::Bytes bytes;
  for (size_t i = 0; i < count; ++i) {
    const auto frame = wire::EncodeFrame(kMagic, make(i));
    bytes.insert(bytes.end(), frame.begin(), frame.end());
  }
  return bytes;
}

// A receive budget a burst of a hundred messages exceeds for seconds.
void TightBudget(NetworkManager::Options& net) {
  net.max_messages_per_second = 50;
  net.message_burst = 10;
  net.rate_abuse_window = 300ms;
}

bool NoViolations(const std::optional<PeerRecord>& record) {
  return !record || record->violations == 0;
}

TEST(PeerPolicyWireTest, V2KeyIsClosedWithoutPenaltyAndTheSameIpIsServedOverV1) {
  PolicyNode a("127.90.1.1");
  a.Start();
  MineBlocks(a.node(), 3);
  const std::string ip = "127.90.1.2";
  {
    RawPeer v2(ip, a.ip(), a.port());
    ASSERT_TRUE(v2.connected());
    std::mt19937_64 rng(11);
    std::array<std::byte, 64> key{};
    for (auto& b : key) b = static_cast<std::byte>(rng());
    ASSERT_FALSE(std::equal(kMagic.begin(), kMagic.end(), key.begin()));
    ASSERT_TRUE(v2.SendBytes(key));
    EXPECT_TRUE(v2.WaitClosed());
  }
  ASSERT_TRUE(WaitUntil([&] { return a.DisconnectsOf(ip, DisconnectReason::kWrongNetwork) == 1; }));
  RawPeer v1(ip, a.ip(), a.port());
  ASSERT_TRUE(v1.Handshake());
  ASSERT_TRUE(v1.Send(wire::GetHeaders{.locator = {a.chain().params().genesis_hash}}));
  auto headers = v1.ReadUntil<wire::Headers>();
  ASSERT_TRUE(headers);
  EXPECT_EQ(headers->headers.size(), 3u);
  EXPECT_TRUE(NoViolations(a.RecordOf(ip)));
  EXPECT_FALSE(a.Banned(ip));
}

TEST(PeerPolicyWireTest, WrongChainPeerIsMarkedNotBannedAndNotRedialledSoon) {
  PolicyNode a("127.90.2.1");  // retry_initial_delay 50 ms; wrong_chain_retry_delay: default
  a.Start();
  RawListener fake("127.90.2.2");
  ASSERT_TRUE(a.net().AddPeer(fake.ip(), fake.port()));
  auto link = fake.Accept();
  ASSERT_TRUE(link);
  ASSERT_TRUE(AnswerHandshake(*link, 50));
  // A header chain on a parent nobody has (the connect check comes before any other).
  std::mt19937_64 rng(22);
  std::vector<primitives::BlockHeader> other(10);
  for (size_t i = 0; i < other.size(); ++i) {
    other[i].version = 4;
    other[i].prev_block = i == 0 ? RandomHash(rng) : other[i - 1].Hash();
    other[i].time = 1'800'000'000 + static_cast<uint32_t>(i);
    other[i].bits = a.chain().params().pow_limit_bits;
  }
  for (int answer = 0; answer < 2; ++answer) {
    ASSERT_TRUE(link->ReadUntil<wire::GetHeaders>()) << answer;
    ASSERT_TRUE(link->Send(wire::Headers{other}));
  }
  EXPECT_TRUE(link->WaitClosed());
  ASSERT_TRUE(WaitUntil([&] { return a.DisconnectsOf(fake.ip(), DisconnectReason::kWrongChain) == 1; }));
  const auto address = *wire::NetAddress::Parse(fake.ip(), fake.port());
  EXPECT_TRUE(a.db().IsWrongChain(a.db().Canonical(address)));
  EXPECT_TRUE(a.db().IsWrongChain(address));
  EXPECT_FALSE(a.Banned(fake.ip()));
  EXPECT_TRUE(NoViolations(a.db().GetPeer(a.db().Canonical(address))));
  EXPECT_FALSE(fake.Accept(2s)) << "redialled a wrong-chain peer";
}

TEST(PeerPolicyWireTest, ManualPeerIsNeverBannedAnInboundPeerIsBannedOnTheFifthTime) {
  PolicyNode a("127.90.3.1");
  a.Start();
  RawListener manual("127.90.3.2");
  ASSERT_TRUE(a.net().AddPeer(manual.ip(), manual.port()));
  constexpr int kRounds = 6;
  for (int i = 0; i < kRounds; ++i) {
    auto link = manual.Accept();
    ASSERT_TRUE(link) << "not redialled after round " << i;
    ASSERT_TRUE(AnswerHandshake(*link, 0, 0x7000 + static_cast<uint64_t>(i)));
    ASSERT_TRUE(link->SendBytes(OversizedInv()));
    EXPECT_TRUE(link->WaitClosed()) << i;
  }
  EXPECT_TRUE(WaitUntil([&] {
    return a.policy().Count(MisbehaviorKind::kOversizedMessage, manual.ip()) == size_t{kRounds};
  }));
  EXPECT_FALSE(a.Banned(manual.ip()));
  const auto address = *wire::NetAddress::Parse(manual.ip(), manual.port());
  EXPECT_TRUE(NoViolations(a.db().GetPeer(a.db().Canonical(address))));
  EXPECT_TRUE(WaitUntil([&] {
    return a.DisconnectsOf(manual.ip(), DisconnectReason::kMisbehavior) == size_t{kRounds};
  }));
  EXPECT_TRUE(manual.Accept()) << "the manual target is still redialled";

  // The same misbehaviour from an inbound peer: banned on the 5th time.
  const std::string inbound = "127.90.3.3";
  for (int i = 1; i <= 5; ++i) {
    RawPeer raw(inbound, a.ip(), a.port());
    ASSERT_TRUE(raw.Handshake(0x8000 + static_cast<uint64_t>(i))) << i;
    ASSERT_TRUE(raw.SendBytes(OversizedInv()));
    EXPECT_TRUE(raw.WaitClosed()) << i;
    if (i < 5) {
      EXPECT_FALSE(a.Banned(inbound)) << i;
    }
  }
  EXPECT_TRUE(WaitUntil([&] { return a.Banned(inbound); }));
  EXPECT_EQ(a.RecordOf(inbound)->violations, 5u);
}

TEST(PeerPolicyWireTest, LateBlockCostsAStallIsFetchedElsewhereAndTheLatePeerStays) {
  auto sync = FastSyncOptions();
  sync.block_timeout = 500ms;
  PolicyNode victim("127.90.4.1", sync);
  victim.Start();
  SyncNode source("127.90.4.2");
  source.Start();
  const auto tip = MineBlocks(source, 3);

  const std::string slow_ip = "127.90.4.3";
  RawPeer slow(slow_ip, victim.ip(), victim.port());
  auto getdata = AnnounceChainOf(slow, 0x4444, source);
  ASSERT_TRUE(getdata);
  ASSERT_FALSE(getdata->items.empty());
  ASSERT_TRUE(WaitUntil([&] { return victim.RecordOf(slow_ip).has_value(); }));
  const double before = victim.RecordOf(slow_ip)->score;
  ASSERT_TRUE(WaitUntil(
      [&] { return victim.policy().Count(MisbehaviorKind::kUnresponsive, slow_ip) >= 1; }));
  const double after = victim.RecordOf(slow_ip)->score;
  const auto stalls = victim.policy().Count(MisbehaviorKind::kUnresponsive, slow_ip);
  EXPECT_DOUBLE_EQ(after, before + ScoreTable::kStall * static_cast<double>(stalls));

  // Another peer appears: the blocks are fetched from it and the chain syncs.
  ASSERT_TRUE(victim.node().Link(source));
  ASSERT_TRUE(WaitUntil([&] { return victim.node().Tip().hash == tip.header.Hash(); }))
      << victim.node().sync().ProgressLine();
  uint64_t from_source = 0;
  for (const auto& peer : victim.net().GetPeers()) {
    auto it = peer.received_per_command.find("block");
    if (peer.address.HostString() == source.ip() && it != peer.received_per_command.end()) {
      from_source += it->second.messages;
    }
  }
  EXPECT_GE(from_source, 1u);
  // The late delivery arrives: no disconnect, no violation, nothing but stalls reported.
  for (const auto& item : getdata->items) {
    auto block = source.chain().GetBlock(item.hash);
    ASSERT_TRUE(block);
    ASSERT_TRUE(slow.Send(wire::BlockMessage{*block}));
  }
  EXPECT_TRUE(ReadUntilPong(slow, 0x51));
  EXPECT_TRUE(victim.PeerAt(slow_ip));
  EXPECT_TRUE(victim.Disconnected().empty());
  EXPECT_EQ(victim.RecordOf(slow_ip)->violations, 0u);
  EXPECT_EQ(victim.policy().Count(slow_ip),
            victim.policy().Count(MisbehaviorKind::kUnresponsive, slow_ip));
}

TEST(PeerPolicyWireTest, AnswersToOurRequestsAreNotRateLimitedUnsolicitedInvsAre) {
  constexpr int kBlocks = 150;
  SyncNode source("127.90.5.2");
  source.Start();
  MineBlocks(source, kBlocks);
  auto sync = FastSyncOptions();
  sync.max_blocks_in_flight_per_peer = 256;
  PolicyNode victim("127.90.5.1", sync, TightBudget);
  victim.Start();

  // A peer answering our getheaders and our getdata with a burst of blocks.
  const std::string server_ip = "127.90.5.3";
  RawPeer server(server_ip, victim.ip(), victim.port());
  auto first = AnnounceChainOf(server, 0x5555, source);
  ASSERT_TRUE(first);
  std::vector<wire::InvItem> requested = first->items;
  while (requested.size() < size_t{kBlocks}) {
    auto getdata = server.ReadUntil<wire::GetData>();
    ASSERT_TRUE(getdata) << requested.size();
    requested.insert(requested.end(), getdata->items.begin(), getdata->items.end());
  }
  ASSERT_TRUE(server.SendBytes(Burst(requested.size(), [&](size_t i) -> wire::Message {
    return wire::BlockMessage{*source.chain().GetBlock(requested[i].hash)};
  })));

  // The same number of unsolicited invs from another peer.
  const std::string spammer_ip = "127.90.5.4";
  RawPeer spammer(spammer_ip, victim.ip(), victim.port());
  ASSERT_TRUE(spammer.Handshake(0x5656));
  std::mt19937_64 rng(55);
  ASSERT_TRUE(spammer.SendBytes(Burst(kBlocks, [&](size_t) -> wire::Message {
    return wire::Inv{{{wire::InvType::kError, RandomHash(rng)}}};
  })));

  EXPECT_TRUE(WaitUntil([&] { return victim.node().Tip().height == kBlocks; }, 20s))
      << victim.node().sync().ProgressLine();
  EXPECT_TRUE(WaitUntil(
      [&] { return victim.policy().Count(MisbehaviorKind::kRateLimited, spammer_ip) >= 1; }, 10s));
  EXPECT_TRUE(spammer.WaitClosed(10s));
  EXPECT_EQ(victim.policy().Count(MisbehaviorKind::kRateLimited, server_ip), 0u);
  EXPECT_EQ(victim.DisconnectsOf(server_ip, DisconnectReason::kDiscouraged), 0u);
  EXPECT_TRUE(ReadUntilPong(server, 0x52));
  EXPECT_TRUE(victim.PeerAt(server_ip));
}

// The other side of the same rule: an outstanding request exempts its answers, not an unlimited
// stream of `notfound` for items we never asked for.
TEST(PeerPolicyWireTest, NotFoundFloodIsChargedDespiteAnOutstandingRequest) {
  SyncNode source("127.90.6.2");
  source.Start();
  MineBlocks(source, 2);
  auto sync = FastSyncOptions();
  sync.block_timeout = 60s;  // the two blocks stay requested for the whole test
  PolicyNode victim("127.90.6.1", sync, TightBudget);
  victim.Start();
  const std::string ip = "127.90.6.3";
  RawPeer raw(ip, victim.ip(), victim.port());
  auto getdata = AnnounceChainOf(raw, 0x6666, source);
  ASSERT_TRUE(getdata);
  ASSERT_EQ(getdata->items.size(), 2u);
  std::mt19937_64 rng(66);
  ASSERT_TRUE(raw.SendBytes(Burst(150, [&](size_t) -> wire::Message {
    return wire::NotFound{{{wire::InvType::kBlock, RandomHash(rng)}}};
  })));
  EXPECT_TRUE(WaitUntil(
      [&] { return victim.policy().Count(MisbehaviorKind::kRateLimited, ip) >= 1; }, 10s));
}

TEST(PeerPolicyWireTest, PayloadCapsApplyAtTheFrameHeaderWithoutABan) {
  PolicyNode a("127.90.14.1");
  a.Start();
  struct Case {
    std::string ip;
    std::string command;
    uint32_t length;
  };
  const std::vector<Case> closed = {{"127.90.14.2", "bogus", wire::kMaxProtocolMessageLength + 1},
                                    {"127.90.14.3", "tx", wire::kMaxTxMessageSize + 1}};
  uint64_t nonce = 0x1400;
  for (const auto& c : closed) {
    RawPeer raw(c.ip, a.ip(), a.port());
    ASSERT_TRUE(raw.Handshake(++nonce));
    ASSERT_TRUE(raw.SendBytes(FrameHeader(c.command, c.length)));
    EXPECT_TRUE(raw.WaitClosed()) << c.command;
    EXPECT_TRUE(WaitUntil([&] { return a.DisconnectsOf(c.ip, DisconnectReason::kMisbehavior) == 1; }))
        << c.command;
    EXPECT_FALSE(a.Banned(c.ip)) << c.command;
    EXPECT_TRUE(NoViolations(a.RecordOf(c.ip))) << c.command;
  }
  // A 3.9 MB block is within the block cap: the link stays open while the payload trickles.
  const std::string ip = "127.90.14.4";
  RawPeer big(ip, a.ip(), a.port());
  ASSERT_TRUE(big.Handshake(++nonce));
  ASSERT_TRUE(big.SendBytes(FrameHeader("block", 3'900'000)));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(big.SendBytes(util::Bytes(1000, std::byte{0})));
    EXPECT_FALSE(big.WaitClosed(100ms)) << i;
  }
  EXPECT_TRUE(a.PeerAt(ip));
  EXPECT_EQ(a.policy().Count(ip), 0u);
}

TEST(PeerPolicyWireTest, AddNodeOnetryDialsExactlyOnce) {
  TestNode a(TestOptions("127.90.15.1"));  // retry_initial_delay 50 ms
  a.Start();
  RawListener closer("127.90.15.2");
  ASSERT_TRUE(a.net().AddPeer(closer.ip(), closer.port(), AddMode::kOnce));
  int accepted = 0;
  const auto deadline = std::chrono::steady_clock::now() + 1200ms;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    if (auto link = closer.Accept(left)) ++accepted;  // closed at once
  }
  EXPECT_EQ(accepted, 1);
  // The one-shot target is gone: the same onetry is accepted again and dials once more.
  ASSERT_TRUE(a.net().AddPeer(closer.ip(), closer.port(), AddMode::kOnce));
  EXPECT_TRUE(closer.Accept());

  // A port nobody listens on: one failed attempt, no retry.
  uint16_t dead_port = 0;
  {
    RawListener gone("127.90.15.3");
    dead_port = gone.port();
  }
  ASSERT_TRUE(a.net().AddPeer("127.90.15.3", dead_port, AddMode::kOnce));
  const auto failures = [&] {
    size_t n = 0;
    for (const auto& info : a.Disconnected()) {
      n += info.address.HostString() == "127.90.15.3" &&
           info.disconnect_reason == DisconnectReason::kConnectFailed;
    }
    return n;
  };
  ASSERT_TRUE(WaitUntil([&] { return failures() >= 1; }));
  std::this_thread::sleep_for(1s);  // 20 retry delays of 50 ms: none is used
  EXPECT_EQ(failures(), 1u);
}

// A block of about 20 KB (a transaction with 200 null-data outputs): 50,000 copies of it would
// be a gigabyte, so a node that queued what it was asked for could not stay under the bound.
primitives::Block MineLargeBlock(SyncNode& node) {
  MineBlocks(node, 101);
  const auto coin = CoinbaseAt(node, 1);
  constexpr consensus::Amount kFee = 100'000;
  std::vector<primitives::TxOut> outputs = {
      {coin.out.value - kFee, chain::testing::PayTo(TestKey())}};
  const util::Bytes data(consensus::kMaxNullDataSize, std::byte{0x42});
  for (int i = 0; i < 200; ++i) outputs.push_back({0, consensus::NullDataScript(data)});
  if (!node.chain().SubmitTransaction(chain::testing::SignedTx(TestKey(), {coin}, outputs))) {
    return {};
  }
  return node.Mine(chain::testing::PayTo(TestKey()));
}

TEST(PeerPolicyWireTest, GetDataForOneBlock50000TimesIsBoundedAndOthersAreServed) {
  PolicyNode a("127.90.16.1");
  a.Start();
  const auto block = MineLargeBlock(a.node());
  ASSERT_GT(primitives::Serialize(block).size(), 18'000u);
  RawPeer attacker("127.90.16.2", a.ip(), a.port());
  ASSERT_TRUE(attacker.Handshake(0x1601));
  RawPeer honest("127.90.16.3", a.ip(), a.port());
  ASSERT_TRUE(honest.Handshake(0x1602));
  const uint64_t rss_before = ResidentBytes();

  // The attacker asks and does not read for now.
  wire::GetData flood;
  flood.items.assign(wire::kMaxInvEntries, {wire::InvType::kWitnessBlock, block.header.Hash()});
  ASSERT_TRUE(attacker.Send(flood));
  // The honest peer is answered meanwhile.
  EXPECT_TRUE(ReadUntilPong(honest, 0x61));
  ASSERT_TRUE(honest.Send(wire::GetHeaders{.locator = {a.chain().params().genesis_hash}}));
  auto headers = honest.ReadUntil<wire::Headers>();
  ASSERT_TRUE(headers);
  EXPECT_EQ(headers->headers.size(), size_t{102});
  std::this_thread::sleep_for(300ms);  // the serving thread fills what the send queue allows
  const uint64_t rss_after = ResidentBytes();
  EXPECT_LT(rss_after, rss_before + (uint64_t{64} << 20))
      << "RSS grew from " << rss_before << " to " << rss_after;

  // Now it reads: exactly the kMaxQueuedGetData queued blocks; the rest of the request was
  // dropped without an answer (a notfound per entry would be megabytes queued for a peer that
  // may never read). The node lives.
  size_t blocks = 0;
  size_t notfound = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (blocks < kMaxQueuedGetData && std::chrono::steady_clock::now() < deadline) {
    auto frame = attacker.ReadFrame();
    if (!frame) break;
    if (frame->command == "block") ++blocks;
    if (frame->command == "notfound") ++notfound;
  }
  EXPECT_EQ(blocks, kMaxQueuedGetData);
  EXPECT_EQ(notfound, 0u);
  EXPECT_TRUE(ReadUntilPong(attacker, 0x62));
  EXPECT_TRUE(ReadUntilPong(honest, 0x63));
}

}  // namespace
}  // namespace parthenon::p2p::test

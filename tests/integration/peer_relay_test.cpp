// Issue 11 "Must be shown" (relay and serving: relay flag, feefilter, wtxidrelay, the reject
// cache, witness forms, getblocks, addrv2, empty-locator getheaders; cmpctblock bursts beyond
// the queue), driven by raw frames on sockets against full in-process nodes with a peer
// database. Every address is 127.91.x.y.
#include <gtest/gtest.h>

#include <map>

#include "p2p/handlers/compact_blocks.h"
#include "peer_policy_support.h"

namespace parthenon::p2p::test {
namespace {

// A node with `blocks` mined blocks (101: the first coinbase is mature).
std::unique_ptr<PolicyNode> StartedNode(const std::string& ip, int blocks) {
  auto node = std::make_unique<PolicyNode>(ip);
  node->Start();
  MineBlocks(node->node(), blocks);
  return node;
}

wire::Version VersionOf(uint64_t nonce, std::optional<bool> relay = std::nullopt) {
  auto version = RawPeer::MakeVersion(nonce);
  version.relay = relay;
  return version;
}

// True once the node's ChainSync tracks the peer: it sends its feefilter when it adds the peer
// (the network manager reports the link connected a moment earlier).
bool Joined(RawPeer& raw) { return raw.ReadUntil<wire::FeeFilter>().has_value(); }

// The next frame of `command`, skipping others.
std::optional<wire::Frame> ReadFrameOf(RawPeer& raw, std::string_view command) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = raw.ReadFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!frame) return std::nullopt;
    if (frame->command == command) return frame;
  }
  return std::nullopt;
}

// The transaction inv items `raw` gets within a few seconds (until the first one arrives).
std::vector<wire::InvItem> AwaitTxInv(RawPeer& raw) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto inv = raw.ReadUntil<wire::Inv>(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!inv) break;
    auto items = TxInvItems({*inv});
    if (!items.empty()) return items;
  }
  return {};
}

// Submits `tx` to `node`'s mempool: `told` gets a transaction inv of it (by txid), and
// `untold`, read up to a pong after that announcement batch and a little beyond, gets none.
void ExpectAnnouncedOnlyTo(PolicyNode& node, const primitives::Transaction& tx, RawPeer& told,
                           RawPeer& untold) {
  ASSERT_TRUE(node.chain().SubmitTransaction(tx));
  const auto items = AwaitTxInv(told);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].hash, primitives::Txid(tx));
  auto seen = ReadUntilPong(untold, 0x5eed);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(TxInvItems(*seen).empty());
  EXPECT_TRUE(TxInvItems(ReadFor(untold, 300ms)).empty());
}

TEST(PeerRelayWireTest, RelayFalsePeerGetsNoTransactionInv) {
  auto a = StartedNode("127.91.6.1", 101);
  RawPeer quiet("127.91.6.2", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(quiet, VersionOf(0x601, false)));
  RawPeer chatty("127.91.6.3", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(chatty, VersionOf(0x602, true)));
  ASSERT_TRUE(Joined(quiet) && Joined(chatty));
  ExpectAnnouncedOnlyTo(*a, SpendCoin(CoinbaseAt(a->node(), 1), 1000), chatty, quiet);
}

TEST(PeerRelayWireTest, FeeFilterAboveTheFeeRateSuppressesTheInvAndTheNodeSendsItsOwn) {
  auto a = StartedNode("127.91.7.1", 101);
  RawPeer filtered("127.91.7.2", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(filtered, VersionOf(0x701)));
  auto own = filtered.ReadUntil<wire::FeeFilter>();
  ASSERT_TRUE(own) << "the node sends its feefilter after the handshake";
  EXPECT_EQ(own->fee_rate, a->chain().GetMempoolInfo().min_relay_feerate * 1000);
  ASSERT_TRUE(filtered.Send(wire::FeeFilter{1'000'000}));
  ASSERT_TRUE(ReadUntilPong(filtered, 0x71));  // the filter is in place
  RawPeer plain("127.91.7.3", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(plain, VersionOf(0x702)));
  ASSERT_TRUE(Joined(plain));

  const auto tx = SpendCoin(CoinbaseAt(a->node(), 1), 1000);
  ExpectAnnouncedOnlyTo(*a, tx, plain, filtered);
  // The filter is above the transaction's rate (BIP133 units: per 1000 vbytes).
  EXPECT_LT(*a->chain().MempoolFeeRate(primitives::Txid(tx)), 1'000'000);
}

TEST(PeerRelayWireTest, WtxidRelayPeerGetsMsgWtxAndCanFetchByWtxid) {
  auto a = StartedNode("127.91.8.1", 101);
  RawPeer bip339("127.91.8.2", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(bip339, VersionOf(0x801), {wire::WtxidRelay{}}));
  RawPeer legacy("127.91.8.3", a->ip(), a->port());
  ASSERT_TRUE(HandshakeWith(legacy, VersionOf(0x802)));
  ASSERT_TRUE(Joined(bip339) && Joined(legacy));
  const auto tx = SpendCoin(CoinbaseAt(a->node(), 1), 1000);
  const auto txid = primitives::Txid(tx);
  const auto wtxid = primitives::Wtxid(tx);
  ASSERT_NE(txid, wtxid);
  ASSERT_TRUE(a->chain().SubmitTransaction(tx));

  const auto by_wtxid = AwaitTxInv(bip339);
  ASSERT_EQ(by_wtxid.size(), 1u);
  EXPECT_EQ(by_wtxid[0].type, wire::InvType::kWtx);
  EXPECT_EQ(by_wtxid[0].hash, wtxid);
  const auto by_txid = AwaitTxInv(legacy);
  ASSERT_EQ(by_txid.size(), 1u);
  EXPECT_EQ(by_txid[0].type, wire::InvType::kTx);
  EXPECT_EQ(by_txid[0].hash, txid);

  ASSERT_TRUE(bip339.Send(wire::GetData{{{wire::InvType::kWtx, wtxid}}}));
  auto frame = ReadFrameOf(bip339, "tx");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, primitives::Serialize(tx, primitives::WitnessMode::kInclude));
}

TEST(PeerRelayWireTest, WitnessMalleatedCopyIsRejectedAndDoesNotBlockTheGenuineTransaction) {
  auto a = StartedNode("127.91.9.1", 101);
  const auto tx = SpendCoin(CoinbaseAt(a->node(), 1), 1000);
  auto malleated = tx;
  malleated.inputs[0].witness[0][5] ^= std::byte{0x01};  // an invalid signature
  ASSERT_EQ(primitives::Txid(malleated), primitives::Txid(tx));
  ASSERT_NE(primitives::Wtxid(malleated), primitives::Wtxid(tx));

  const std::string ip_a = "127.91.9.2";
  RawPeer peer_a(ip_a, a->ip(), a->port());
  ASSERT_TRUE(peer_a.Handshake(0x901));
  ASSERT_TRUE(peer_a.Send(wire::TxMessage{malleated}));
  EXPECT_TRUE(peer_a.WaitClosed());
  EXPECT_TRUE(WaitUntil([&] { return a->policy().Count(MisbehaviorKind::kInvalidTransaction, ip_a) == 1; }));
  EXPECT_TRUE(WaitUntil([&] { return a->DisconnectsOf(ip_a, DisconnectReason::kDiscouraged) == 1; }));
  EXPECT_EQ(a->RecordOf(ip_a)->violations, 1u);
  EXPECT_FALSE(a->chain().MempoolContains(primitives::Txid(tx)));

  const std::string ip_b = "127.91.9.3";
  RawPeer peer_b(ip_b, a->ip(), a->port());
  ASSERT_TRUE(peer_b.Handshake(0x902));
  ASSERT_TRUE(peer_b.Send(wire::TxMessage{tx}));
  EXPECT_TRUE(WaitUntil([&] { return a->chain().MempoolContains(primitives::Txid(tx)); }));
  EXPECT_EQ(a->policy().Count(ip_b), 0u);
}

TEST(PeerRelayWireTest, GetDataWitnessFormsMatchTheSerializations) {
  auto a = StartedNode("127.91.10.1", 101);
  ASSERT_TRUE(a->chain().SubmitTransaction(SpendCoin(CoinbaseAt(a->node(), 1), 1000)));
  const auto block = a->node().Mine(chain::testing::PayTo(TestKey()));
  ASSERT_EQ(block.transactions.size(), 2u);
  const auto with = primitives::Serialize(block, primitives::WitnessMode::kInclude);
  const auto without = primitives::Serialize(block, primitives::WitnessMode::kExclude);
  ASSERT_NE(with, without);
  const auto tx = SpendCoin(CoinbaseAt(a->node(), 2), 1000);
  ASSERT_TRUE(a->chain().SubmitTransaction(tx));

  RawPeer raw("127.91.10.2", a->ip(), a->port());
  ASSERT_TRUE(raw.Handshake());
  const auto hash = block.header.Hash();
  const auto txid = primitives::Txid(tx);
  struct Case {
    wire::InvType type;
    crypto::Uint256 hash;
    std::string_view command;
    util::Bytes expected;
  };
  const std::vector<Case> cases = {
      {wire::InvType::kBlock, hash, "block", without},
      {wire::InvType::kWitnessBlock, hash, "block", with},
      {wire::InvType::kTx, txid, "tx", primitives::Serialize(tx, primitives::WitnessMode::kExclude)},
      {wire::InvType::kWitnessTx, txid, "tx", primitives::Serialize(tx, primitives::WitnessMode::kInclude)},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(raw.Send(wire::GetData{{{c.type, c.hash}}}));
    auto frame = ReadFrameOf(raw, c.command);
    ASSERT_TRUE(frame) << static_cast<uint32_t>(c.type);
    EXPECT_EQ(frame->payload, c.expected) << static_cast<uint32_t>(c.type);
  }
}

TEST(PeerRelayWireTest, GetBlocksIsAnsweredInOrderUpToHashStopAndContinuesAtTheTip) {
  constexpr int kBlocks = 520;
  const PrebuiltChain prebuilt(kBlocks, chain::testing::PayTo(TestKey()));
  PolicyNode a("127.91.11.1", FastSyncOptions(), {}, &prebuilt.dir.path());
  a.Start();
  ASSERT_EQ(a.node().Tip().height, kBlocks);
  const auto hash_at = [&](int height) { return *a.chain().GetBlockHash(height); };
  RawPeer raw("127.91.11.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Handshake());
  const std::vector<crypto::Uint256> locator = {a.chain().params().genesis_hash};

  ASSERT_TRUE(raw.Send(wire::GetBlocks{.locator = locator, .stop_hash = hash_at(10)}));
  auto stopped = raw.ReadUntil<wire::Inv>();
  ASSERT_TRUE(stopped);
  // Bitcoin Core stops *before* hash_stop for getblocks (getheaders includes it).
  ASSERT_EQ(stopped->items.size(), 9u);
  EXPECT_EQ(stopped->items.back().hash, hash_at(9));

  ASSERT_TRUE(raw.Send(wire::GetBlocks{.locator = locator}));
  auto full = raw.ReadUntil<wire::Inv>();
  ASSERT_TRUE(full);
  ASSERT_EQ(full->items.size(), 500u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(full->items[static_cast<size_t>(i)].type, wire::InvType::kBlock);
    ASSERT_EQ(full->items[static_cast<size_t>(i)].hash, hash_at(i + 1)) << i;
  }
  // Fetching the last of the 500 brings an inv of the tip.
  ASSERT_TRUE(raw.Send(wire::GetData{{{wire::InvType::kBlock, hash_at(500)}}}));
  auto served = raw.ReadUntil<wire::BlockMessage>();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->block.header.Hash(), hash_at(500));
  auto continuation = raw.ReadUntil<wire::Inv>();
  ASSERT_TRUE(continuation);
  ASSERT_EQ(continuation->items.size(), 1u);
  EXPECT_EQ(continuation->items[0].hash, a.node().Tip().hash);
}

wire::AddrV2Entry V2Entry(uint8_t network, util::Bytes address, uint16_t port = 18444) {
  return {.time = static_cast<uint32_t>(util::RealClock().UnixSeconds()),
          .services = wire::kNodeNetwork, .network = network, .address = std::move(address),
          .port = port};
}

util::Bytes Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {std::byte{a}, std::byte{b}, std::byte{c}, std::byte{d}};
}

TEST(PeerRelayWireTest, AddrV2StoresIpv4IgnoresOtherNetworksAndGetAddrAnswersInKind) {
  PolicyNode a("127.91.12.1");
  a.Start();
  const std::string ip = "127.91.12.2";
  RawPeer v2(ip, a.ip(), a.port());
  ASSERT_TRUE(HandshakeWith(v2, VersionOf(0xc01), {wire::SendAddrV2{}}));
  ASSERT_TRUE(ReadUntilPong(v2, 0xc0));  // its connection is recorded
  const auto stored = *wire::NetAddress::Parse("127.91.12.77", 18444);
  wire::AddrV2 addrv2{{V2Entry(1, Ipv4(127, 91, 12, 77)),
                       V2Entry(4, util::Bytes(32, std::byte{0x5a})),
                       V2Entry(42, util::Bytes(7, std::byte{0x01}))}};
  const size_t before = a.db().GetPeerCount();
  ASSERT_TRUE(v2.Send(addrv2));
  ASSERT_TRUE(ReadUntilPong(v2, 0xc1));
  EXPECT_TRUE(WaitUntil([&] { return a.db().GetPeer(stored).has_value(); }));
  EXPECT_EQ(a.db().GetPeerCount(), before + 1);  // the Tor and unknown entries were dropped
  EXPECT_EQ(a.policy().Count(ip), 0u);

  ASSERT_TRUE(v2.Send(wire::GetAddr{}));
  auto answer_v2 = v2.ReadUntil<wire::AddrV2>();
  ASSERT_TRUE(answer_v2);
  bool listed = false;
  for (const auto& entry : answer_v2->entries) listed |= entry.ToNetAddress() == stored;
  EXPECT_TRUE(listed);

  RawPeer plain("127.91.12.3", a.ip(), a.port());
  ASSERT_TRUE(plain.Handshake(0xc02));
  ASSERT_TRUE(plain.Send(wire::GetAddr{}));
  auto seen = ReadUntilPong(plain, 0xc2);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(OfType<wire::AddrV2>(*seen).empty());
  const auto addr = OfType<wire::Addr>(*seen);
  ASSERT_FALSE(addr.empty());
  listed = false;
  for (const auto& entry : addr.back().entries) listed |= entry.service.address == stored;
  EXPECT_TRUE(listed);

  // A known network with a wrong address length: the message is malformed, dropped whole
  // (kMalformedMessage: ignore), and nothing is held against the peer.
  ASSERT_EQ(RuleFor(MisbehaviorKind::kMalformedMessage).verdict, Verdict::kIgnore);
  const auto skipped = *wire::NetAddress::Parse("127.91.12.78", 18444);
  wire::AddrV2 malformed{{V2Entry(1, Ipv4(127, 91, 12, 78)), V2Entry(1, util::Bytes(5, std::byte{1}))}};
  ASSERT_TRUE(v2.Send(malformed));
  EXPECT_TRUE(ReadUntilPong(v2, 0xc3));
  EXPECT_EQ(a.policy().Count(MisbehaviorKind::kMalformedMessage, ip), 1u);
  EXPECT_FALSE(a.db().GetPeer(skipped));
  EXPECT_TRUE(a.PeerAt(ip));
  EXPECT_FALSE(a.Banned(ip));
  EXPECT_TRUE(!a.RecordOf(ip) || a.RecordOf(ip)->violations == 0);
}

TEST(PeerRelayWireTest, EmptyLocatorGetHeadersReturnsExactlyTheStopHeader) {
  auto a = StartedNode("127.91.13.1", 5);
  RawPeer raw("127.91.13.2", a->ip(), a->port());
  ASSERT_TRUE(raw.Handshake());
  const auto known = *a->chain().GetBlockHash(3);
  ASSERT_TRUE(raw.Send(wire::GetHeaders{.locator = {}, .stop_hash = known}));
  auto seen = ReadUntilPong(raw, 0xd1);
  ASSERT_TRUE(seen);
  auto headers = OfType<wire::Headers>(*seen);
  ASSERT_EQ(headers.size(), 1u);
  ASSERT_EQ(headers[0].headers.size(), 1u);
  EXPECT_EQ(headers[0].headers[0].Hash(), known);

  std::array<std::byte, 32> unknown{};
  unknown.fill(std::byte{0x77});
  ASSERT_TRUE(raw.Send(wire::GetHeaders{.locator = {}, .stop_hash = crypto::Uint256(unknown)}));
  seen = ReadUntilPong(raw, 0xd2);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(OfType<wire::Headers>(*seen).empty());
}

// ---- Issue 16: block-relay-only links. ----

// Accepts the node's outbound dial on `listener` and completes the handshake; the node's
// VERSION is returned beside the peer.
std::pair<std::unique_ptr<RawPeer>, std::optional<wire::Version>> AcceptOutbound(
    RawListener& listener, uint64_t nonce) {
  auto raw = listener.Accept();
  if (!raw) return {nullptr, std::nullopt};
  auto version = raw->ReadUntil<wire::Version>();
  if (!version || !raw->Send(VersionOf(nonce)) || !raw->Send(wire::Verack{}) ||
      !raw->ReadUntil<wire::Verack>()) {
    return {nullptr, std::nullopt};
  }
  return {std::move(raw), version};
}

// An outbound block-relay-only link says relay=0 in VERSION and gets blocks but no transaction
// inv, no addr/addrv2 and no getaddr, and the addr it sends is ignored; the full-relay link
// beside it gets the transaction and the gossip.
TEST(PeerRelayWireTest, BlockRelayOnlyPeerGetsNoTransactionsOrAddresses) {
  RawListener full_listener("127.91.20.2");
  RawListener block_listener("127.91.21.2");
  const auto full_address = *wire::NetAddress::Parse(full_listener.ip(), full_listener.port());
  const auto block_address = *wire::NetAddress::Parse(block_listener.ip(), block_listener.port());
  PolicyNode a("127.91.20.1", FastSyncOptions(), [&](NetworkManager::Options& options) {
    options.max_outbound = 1;
    options.max_block_relay = 1;
    options.outbound_poll_interval = 20ms;
    // Full-relay first, then block-relay-only (NetworkManager's order): one address each.
    options.address_source = [=](const std::vector<wire::NetAddress>& current)
        -> std::optional<wire::NetAddress> {
      for (const auto& candidate : {full_address, block_address}) {
        if (std::find(current.begin(), current.end(), candidate) == current.end()) return candidate;
      }
      return std::nullopt;
    };
  });
  a.Start();
  MineBlocks(a.node(), 101);
  auto [full, full_version] = AcceptOutbound(full_listener, 0x2001);
  auto [block, block_version] = AcceptOutbound(block_listener, 0x2002);
  ASSERT_TRUE(full && block);
  EXPECT_NE(full_version->relay, std::optional<bool>(false));
  EXPECT_EQ(block_version->relay, std::optional<bool>(false));
  ASSERT_TRUE(Joined(*full) && Joined(*block));
  // Transactions: announced on the full-relay link only.
  ExpectAnnouncedOnlyTo(a, SpendCoin(CoinbaseAt(a.node(), 1), 1000), *full, *block);
  // Addresses: fresh gossip from an inbound peer is relayed to the full-relay link only.
  RawPeer gossip("127.91.22.2", a.ip(), a.port());
  ASSERT_TRUE(HandshakeWith(gossip, VersionOf(0x2003)));
  const auto now = static_cast<uint32_t>(util::RealClock().UnixSeconds());
  const auto gossiped = *wire::NetAddress::Parse("127.91.23.5", 18444);
  ASSERT_TRUE(gossip.Send(wire::Addr{{{now, {wire::kNodeNetwork, gossiped}}}}));
  const auto relayed = full->ReadUntil<wire::Addr>();
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->entries.at(0).service.address, gossiped);
  // The block-relay-only peer's addr is ignored.
  const auto ignored = *wire::NetAddress::Parse("127.91.24.5", 18444);
  ASSERT_TRUE(block->Send(wire::Addr{{{now, {wire::kNodeNetwork, ignored}}}}));
  auto seen = ReadUntilPong(*block, 0x2004);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(TxInvItems(*seen).empty());
  EXPECT_TRUE(OfType<wire::Addr>(*seen).empty());
  EXPECT_TRUE(OfType<wire::AddrV2>(*seen).empty());
  EXPECT_TRUE(OfType<wire::GetAddr>(*seen).empty());
  EXPECT_FALSE(a.db().GetPeer(ignored));
  EXPECT_TRUE(a.db().GetPeer(gossiped));
  // Blocks still flow on it: a new block is announced (headers or inv) to both.
  a.node().Mine(chain::testing::PayTo(TestKey()));
  auto after = ReadUntilPong(*block, 0x2005);
  ASSERT_TRUE(after);
  EXPECT_FALSE(OfType<wire::Headers>(*after).empty() && OfType<wire::Inv>(*after).empty());
}

// A burst of cmpctblock messages larger than the per-peer queue (2 waiting for the worker):
// the dropped ones are not forgotten, the node asks the sender for headers once its queue
// drains, and fetches what it missed. (A peer announces each block once; after a partition
// heals its blocks arrive together. Without the catch-up the node stayed behind for good.)
TEST(PeerRelayWireTest, CmpctBlocksDroppedByAFullQueueAreFetchedThroughHeaders) {
  constexpr int kBlocks = 12;
  PolicyNode miner("127.91.14.1");  // never connected: it only makes the blocks
  miner.Start();
  std::vector<primitives::Block> blocks;
  for (int i = 0; i < kBlocks; ++i) blocks.push_back(miner.node().Mine(chain::testing::PayTo(TestKey())));
  PolicyNode node("127.91.14.2");
  node.Start();
  RawPeer raw("127.91.14.3", node.ip(), node.port());
  ASSERT_TRUE(raw.Handshake());
  // Sync start (the peer has joined ChainSync): we have nothing more yet.
  ASSERT_TRUE(raw.ReadUntil<wire::GetHeaders>());
  ASSERT_TRUE(raw.Send(wire::Headers{}));
  util::Bytes burst;
  for (const auto& block : blocks) {
    const auto frame = wire::EncodeFrame(kMagic, compact::MakeCompactBlock(block, 7));
    burst.insert(burst.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(raw.SendBytes(burst));  // one write: the node reads them faster than it validates
  std::map<crypto::Uint256, const primitives::Block*> by_hash;
  for (const auto& block : blocks) by_hash[block.header.Hash()] = &block;
  size_t getheaders = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (node.node().Tip().height < kBlocks && std::chrono::steady_clock::now() < deadline) {
    auto message = raw.Read(200ms);
    if (!message) continue;
    if (std::holds_alternative<wire::GetHeaders>(*message)) {
      ++getheaders;
      wire::Headers headers;
      for (const auto& block : blocks) headers.headers.push_back(block.header);
      ASSERT_TRUE(raw.Send(headers));
    } else if (auto* getdata = std::get_if<wire::GetData>(&*message)) {
      for (const auto& item : getdata->items) {
        if (auto it = by_hash.find(item.hash); it != by_hash.end()) {
          ASSERT_TRUE(raw.Send(wire::BlockMessage{*it->second}));
        }
      }
    } else if (auto* ping = std::get_if<wire::Ping>(&*message)) {
      ASSERT_TRUE(raw.Send(wire::Pong{ping->nonce}));
    }
  }
  EXPECT_EQ(node.node().Tip().hash, blocks.back().header.Hash());
  // The catch-up went through headers (the queue cannot have held 12 cmpctblocks at once).
  EXPECT_GE(getheaders, 1u);
  EXPECT_EQ(node.policy().Count("127.91.14.3"), 0u);  // and the sender is not blamed
}

}  // namespace
}  // namespace parthenon::p2p::test

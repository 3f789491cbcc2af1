// Zero-copy serving (issue 15): frames whose payload is a segment of a block file go out in queue
// order with every other frame, intact, on each write path (sendfile, the copy fallback, TLS);
// and a damaged stored block is found before anything of it is sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "p2p/transport/certificate.h"
#include "p2p/wire/frame.h"
#include "p2p/wire/test_messages.h"
#include "storage/flat_file_store.h"
#include "sync_node.h"

namespace parthenon::p2p::test {
namespace {

namespace fs = std::filesystem;

enum class Path { kSendfile, kCopy, kTls };

std::string PathName(const ::testing::TestParamInfo<Path>& info) {
  switch (info.param) {
    case Path::kSendfile: return "Sendfile";
    case Path::kCopy: return "Copy";
    case Path::kTls: return "Tls";
  }
  return "Unknown";
}

// `count` distinct valid blocks of about `txs` witness transactions each (~160 bytes a piece).
std::vector<primitives::Block> MakeBlocks(size_t count, size_t txs) {
  std::vector<primitives::Block> blocks;
  for (size_t i = 0; i < count; ++i) {
    std::mt19937_64 rng(i + 1);
    primitives::Block block = wire::test::GenesisBlock();
    block.header.nonce = static_cast<uint32_t>(i);
    while (block.transactions.size() < txs) block.transactions.push_back(wire::test::WitnessTransaction(rng));
    blocks.push_back(std::move(block));
  }
  return blocks;
}

// Blocks stored in a flat file store, as the chainstate stores them, and their checked segments.
struct StoredBlocks {
  explicit StoredBlocks(const std::vector<primitives::Block>& blocks) {
    store = storage::FlatFileStore::Open({.dir = dir.path(), .prefix = "blk", .magic = kMagic}).value();
    for (const auto& block : blocks) {
      payloads.push_back(primitives::Serialize(block));
      positions.push_back(store->Append(payloads.back()).value());
    }
    EXPECT_TRUE(store->Sync());
  }
  storage::RecordSegment Segment(size_t i) const { return store->VerifiedSegment(positions[i], 0).value(); }

  storage::testing::TempDir dir;
  std::unique_ptr<storage::FlatFileStore> store;
  std::vector<util::Bytes> payloads;
  std::vector<storage::FilePos> positions;
};

NetResult<void> SendStored(NetworkManager& net, PeerId peer, const storage::RecordSegment& segment) {
  const auto header = wire::EncodeFrameHeader(kMagic, "block", segment.size, segment.checksum);
  return net.SendStoredPayload(peer, wire::Command::kBlockMessage, header,
                               {segment.file, segment.offset, segment.size});
}

std::optional<PeerId> WaitForPeer(NetworkManager& net) {
  std::optional<PeerId> id;
  WaitUntil([&] {
    for (const auto& peer : net.GetPeers()) {
      if (peer.state == PeerState::kConnected) id = peer.id;
    }
    return id.has_value();
  });
  return id;
}

class ServeOrderTest : public ::testing::TestWithParam<Path> {
 protected:
  NetworkManager::Options Options(const std::string& ip) {
    auto options = TestOptions(ip);
    options.zero_copy_send = GetParam() != Path::kCopy;
    options.max_send_queue_bytes = 64 << 20;
    options.max_bytes_per_second = 1e10;
    options.byte_burst = 1e10;
    if (GetParam() == Path::kTls) {
      options.tls.mode = transport::TlsMode::kRequired;
      options.tls.cert_file = (identity_.path() / "node.pem").string();
      options.tls.key_file = (identity_.path() / "node.key").string();
      if (!fs::exists(options.tls.cert_file)) {
        EXPECT_TRUE(transport::GenerateSelfSigned(options.tls.cert_file, options.tls.key_file, {}));
      }
    }
    return options;
  }
  // The payloads went by sendfile exactly on the sendfile path (the sender's statistics follow
  // its last write a moment after the bytes arrived).
  void ExpectPath(NetworkManager& net, PeerId id, const StoredBlocks& stored) {
    uint64_t payload_bytes = 0;
    for (const auto& payload : stored.payloads) payload_bytes += payload.size();
    const uint64_t expected = GetParam() == Path::kSendfile ? payload_bytes : 0u;
    auto by_sendfile = [&] { return net.GetPeer(id).value().bytes_sent_by_sendfile; };
    WaitUntil([&] { return by_sendfile() == expected; }, 2s);
    EXPECT_EQ(by_sendfile(), expected);
  }
  storage::testing::TempDir identity_;
};

// Blocks from the file, each followed by a ping and an inv, all queued at once: a raw peer that
// reads slowly through a small receive buffer (so sendfile stops part-way and resumes) gets
// every frame whole and in the order queued. The decoder checks each checksum.
using RawServeOrderTest = ServeOrderTest;  // plaintext paths: the raw peer does not speak TLS

TEST_P(RawServeOrderTest, RawPeerGetsEveryFrameIntactAndInOrder) {
  const StoredBlocks stored(MakeBlocks(4, 3000));
  TestNode node(Options("127.31.1.1"));
  node.Start();
  RawPeer peer("127.31.1.2", node.ip(), node.port());
  peer.SetReceiveBuffer(16 * 1024);
  ASSERT_TRUE(peer.Handshake());
  const auto id = WaitForPeer(node.net());
  ASSERT_TRUE(id);
  while (peer.ReadFrame(300ms)) {
  }  // the node's handshake extras (sendaddrv2, wtxidrelay, first ping)
  for (size_t i = 0; i < stored.payloads.size(); ++i) {
    ASSERT_TRUE(SendStored(node.net(), *id, stored.Segment(i)));
    ASSERT_TRUE(node.net().Send(*id, wire::Ping{1000 + i}));
    ASSERT_TRUE(node.net().Send(*id, wire::Inv{{{wire::InvType::kBlock, crypto::Uint256{}}}}));
  }
  std::this_thread::sleep_for(200ms);  // let the node's socket buffer fill
  for (size_t i = 0; i < stored.payloads.size(); ++i) {
    auto block = peer.ReadFrame(10s);
    ASSERT_TRUE(block) << "block " << i;
    EXPECT_EQ(block->command, "block");
    EXPECT_EQ(block->payload, stored.payloads[i]) << "block " << i;
    auto ping = peer.ReadFrame();
    ASSERT_TRUE(ping);
    ASSERT_EQ(ping->command, "ping");
    EXPECT_EQ(std::get<wire::Ping>(wire::DecodeMessage(ping->command, ping->payload).value()).nonce, 1000 + i);
    auto inv = peer.ReadFrame();
    ASSERT_TRUE(inv);
    EXPECT_EQ(inv->command, "inv");
  }
  EXPECT_EQ(node.ConnectedPeers(), 1u);
  ExpectPath(node.net(), *id, stored);
}

// The same order seen by another node (decoding the blocks), on every path including TLS.
TEST_P(ServeOrderTest, NodeGetsBlocksAndMessagesInOrder) {
  const auto blocks = MakeBlocks(4, 3000);
  const StoredBlocks stored(blocks);
  std::mutex mutex;
  std::vector<std::string> seen;
  NetworkManager sender(Options("127.31.2.1"));
  NetworkManager receiver(Options("127.31.2.2"));
  receiver.SetOnBlock([&](PeerId, const primitives::Block& block) {
    std::lock_guard lock(mutex);
    seen.push_back("block " + block.header.Hash().ToHex());
  });
  receiver.SetOnMessage([&](PeerId, const wire::Message& message) {
    if (const auto* inv = std::get_if<wire::Inv>(&message)) {
      std::lock_guard lock(mutex);
      seen.push_back("inv " + inv->items.at(0).hash.ToHex());
    }
  });
  ASSERT_TRUE(sender.Start());
  ASSERT_TRUE(receiver.Start());
  ASSERT_TRUE(receiver.AddPeer("127.31.2.1", sender.ListenPorts()[0]));
  const auto id = WaitForPeer(sender);
  ASSERT_TRUE(id);
  ASSERT_EQ(sender.GetPeer(*id)->encrypted, GetParam() == Path::kTls);
  std::vector<std::string> expected;
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_TRUE(SendStored(sender, *id, stored.Segment(i)));
    const crypto::Uint256 marker = blocks[(i + 1) % blocks.size()].header.Hash();
    ASSERT_TRUE(sender.Send(*id, wire::Inv{{{wire::InvType::kTx, marker}}}));
    expected.push_back("block " + blocks[i].header.Hash().ToHex());
    expected.push_back("inv " + marker.ToHex());
  }
  EXPECT_TRUE(WaitUntil([&] {
    std::lock_guard lock(mutex);
    return seen.size() >= expected.size();
  }, 20s));
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, expected);
  ExpectPath(sender, *id, stored);
  receiver.Stop();
  sender.Stop();
}

INSTANTIATE_TEST_SUITE_P(Paths, RawServeOrderTest, ::testing::Values(Path::kSendfile, Path::kCopy),
                         PathName);
INSTANTIATE_TEST_SUITE_P(Paths, ServeOrderTest,
                         ::testing::Values(Path::kSendfile, Path::kCopy, Path::kTls), PathName);

// ---- Damaged stored blocks, served through ChainSync ----

enum class Damage { kTruncated, kFlippedByte };

struct DamageCase {
  Damage damage;
  bool zero_copy;
};

std::string DamageName(const ::testing::TestParamInfo<DamageCase>& info) {
  return std::string(info.param.damage == Damage::kTruncated ? "Truncated" : "FlippedByte") +
         (info.param.zero_copy ? "Sendfile" : "Copy");
}

const util::Bytes& Payout() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  static const util::Bytes script = chain::testing::PayTo(key);
  return script;
}

// Offset of `needle` in the file (the test damages that record's bytes).
std::optional<size_t> FindInFile(const fs::path& file, const util::Bytes& needle) {
  std::ifstream in(file, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string_view pattern(reinterpret_cast<const char*>(needle.data()), needle.size());
  const size_t at = content.find(pattern);
  if (at == std::string::npos) return std::nullopt;
  return at;
}

class DamagedServeTest : public ::testing::TestWithParam<DamageCase> {};

// The damaged block checked fine once (so the store remembers it as verified) before its file was
// cut or one byte of it flipped. The raw peer asks for a healthy block (served whole), then for
// the damaged one: it gets a notfound and not one byte of a block frame; the node logs and marks the block for re-fetch,
// keeps the link and keeps serving.
TEST_P(DamagedServeTest, DamageIsFoundBeforeAnythingIsSent) {
  static const PrebuiltChain chain(6, Payout());
  SyncNode node("127.31.3.1", FastSyncOptions(), nullptr, 1, &chain.dir.path(),
                [&](NetworkManager::Options& options) { options.zero_copy_send = GetParam().zero_copy; });
  node.Start();
  const auto healthy = *node.chain().GetBlockHash(2);
  const auto damaged = chain.tip.hash;  // the last record of the file
  const auto damaged_record = node.chain().GetBlockRecord(damaged).value();
  const util::Bytes damaged_payload(damaged_record.begin() + storage::kRecordHeaderSize, damaged_record.end());
  ASSERT_TRUE(node.chain().GetBlockSegment(damaged));  // served once: remembered as verified
  const auto file = node.datadir() / "blocks" / "blk00000.dat";
  const auto at = FindInFile(file, damaged_payload);
  ASSERT_TRUE(at);
  if (GetParam().damage == Damage::kTruncated) {
    fs::resize_file(file, *at + damaged_payload.size() / 2);
  } else {
    std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(static_cast<std::streamoff>(*at + damaged_payload.size() - 10));  // in a transaction
    bytes.put('\x5a');
  }

  RawPeer peer("127.31.3.2", node.ip(), node.port());
  ASSERT_TRUE(peer.Handshake());
  ASSERT_TRUE(peer.Send(wire::GetData{{{wire::InvType::kWitnessBlock, healthy},
                                       {wire::InvType::kWitnessBlock, damaged}}}));
  std::optional<wire::NotFound> notfound;
  int blocks = 0;
  while (!notfound) {
    auto frame = peer.ReadFrame(5s);
    ASSERT_TRUE(frame) << "no notfound";
    if (frame->command == "block") {
      ++blocks;
      const auto record = node.chain().GetBlockRecord(healthy).value();
      EXPECT_EQ(frame->payload, util::Bytes(record.begin() + storage::kRecordHeaderSize, record.end()));
    }
    if (frame->command == "notfound") {
      notfound = std::get<wire::NotFound>(wire::DecodeMessage(frame->command, frame->payload).value());
    }
  }
  EXPECT_EQ(blocks, 1);
  ASSERT_EQ(notfound->items.size(), 1u);
  EXPECT_EQ(notfound->items[0].hash, damaged);
  EXPECT_GE(node.chain().CorruptBlockReads(), 1u);
  const auto refetch = node.chain().BlocksToRefetch();
  EXPECT_NE(std::find(refetch.begin(), refetch.end(), damaged), refetch.end());
  // Still running, still linked, still serving.
  ASSERT_TRUE(peer.Send(wire::Ping{77}));
  const auto pong = peer.ReadUntil<wire::Pong>(5s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->nonce, 77u);
  ASSERT_TRUE(peer.Send(wire::GetData{{{wire::InvType::kWitnessBlock, healthy}}}));
  EXPECT_TRUE(peer.ReadUntil<wire::BlockMessage>(5s));
  EXPECT_EQ(node.ConnectedTo("127.31.3.2"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Damages, DamagedServeTest,
                         ::testing::Values(DamageCase{Damage::kTruncated, true},
                                           DamageCase{Damage::kTruncated, false},
                                           DamageCase{Damage::kFlippedByte, true},
                                           DamageCase{Damage::kFlippedByte, false}),
                         DamageName);

}  // namespace
}  // namespace parthenon::p2p::test

// Storage faults while the node runs: a block whose stored bytes are damaged is reported (log,
// counter, BlocksToRefetch, callback), answered as corrupt rather than missing, and stored
// again from a good copy; a full disk stops writes with an operator's message.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "chain/chainstate.h"
#include "chain/test_chain.h"
#include "storage/fault_env.h"
#include "util/logging.h"

namespace parthenon::chain {
namespace {

using testing::PayTo;
using testing::TestChain;

// Flips one byte in the middle of `block`'s record in the block file under `datadir`.
void DamageStoredBlock(const std::filesystem::path& datadir, const primitives::Block& block) {
  const auto path = datadir / "blocks" / "blk00000.dat";
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const util::Bytes bytes = primitives::Serialize(block);
  const std::string needle(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const size_t at = file.find(needle);
  ASSERT_NE(at, std::string::npos);
  std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
  out.seekp(static_cast<std::streamoff>(at + bytes.size() / 2));
  out.put(static_cast<char>(file[at + bytes.size() / 2] ^ 0x40));
}

// Captures the chain log for the life of the object (REQUIRES: no other thread logs meanwhile).
class ChainLogCapture {
 public:
  ChainLogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(50)) {
    util::Log(util::LogCategory::kChain).sinks().push_back(sink_);
  }
  ~ChainLogCapture() {
    auto& sinks = util::Log(util::LogCategory::kChain).sinks();
    sinks.erase(std::find(sinks.begin(), sinks.end(), sink_));
  }
  int Count(std::string_view text) const {
    const auto lines = sink_->last_formatted();
    return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    }));
  }
  std::string All() const {
    std::string all;
    for (const auto& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

// A chain of `kBlocks` mined blocks in a temporary directory, through `env` (a fault injector).
class StorageFaultTest : public ::testing::Test {
 protected:
  static constexpr int kBlocks = 10;
  void SetUp() override {
    chain.env = &env;
    ASSERT_TRUE(chain.Open());
    for (int i = 0; i < kBlocks; ++i) blocks.push_back(chain.Mine(PayTo(key)));
  }

  storage::testing::TempDir dir;
  storage::FaultInjectingEnv env{storage::DefaultEnv()};
  TestChain chain{dir.path()};
  crypto::KeyPair key = crypto::KeyPair::Generate();
  std::vector<primitives::Block> blocks;
};

TEST_F(StorageFaultTest, CorruptOldBlockIsReportedMarkedAndStoredAgain) {
  const primitives::Block& old = blocks[2];  // height 3
  const crypto::Uint256 hash = old.header.Hash();
  std::vector<std::pair<crypto::Uint256, int32_t>> reported;
  chain->OnBlockDataCorrupt([&](const crypto::Uint256& h, int32_t height) { reported.emplace_back(h, height); });
  DamageStoredBlock(dir.path(), old);

  ChainLogCapture log;
  auto read = chain->GetBlock(hash);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kCorruption);  // not kNotFound
  EXPECT_NE(read.error().detail.find("blk00000.dat offset"), std::string::npos) << read.error().Message();
  EXPECT_EQ(chain->CorruptBlockReads(), 1u);
  EXPECT_EQ(chain->BlocksToRefetch(), std::vector<crypto::Uint256>{hash});
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0], std::make_pair(hash, 3));
  EXPECT_EQ(log.Count("block data corrupt: block " + hash.ToHex() + " at height 3 "), 1) << log.All();
  EXPECT_EQ(log.Count("blk00000.dat offset "), 1) << log.All();
  EXPECT_EQ(log.Count("error"), 1) << log.All();
  // Asked again: still corrupt, without another read, report or log line.
  read = chain->GetBlock(hash);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kCorruption);
  EXPECT_EQ(chain->CorruptBlockReads(), 1u);
  EXPECT_EQ(reported.size(), 1u);
  EXPECT_EQ(log.Count("block data corrupt"), 1);
  // The rest of the chain is untouched and keeps growing.
  EXPECT_TRUE(chain->GetBlock(blocks[3].header.Hash()));
  blocks.push_back(chain.Mine(PayTo(key)));
  EXPECT_EQ(chain->Tip().height, kBlocks + 1);

  // A good copy (as a peer would send it) is stored again and clears the mark.
  auto again = chain->SubmitBlock(old);
  ASSERT_TRUE(again) << again.error().Message();
  EXPECT_EQ(*again, BlockOutcome::kAccepted);
  EXPECT_TRUE(chain->BlocksToRefetch().empty());
  auto good = chain->GetBlock(hash);
  ASSERT_TRUE(good) << good.error().Message();
  EXPECT_EQ(good->header.Hash(), hash);
  EXPECT_EQ(chain->SubmitBlock(old).value(), BlockOutcome::kDuplicate);
  // And it survives a restart.
  chain.Close();
  ASSERT_TRUE(chain.Open());
  EXPECT_TRUE(chain->GetBlock(hash));
  EXPECT_TRUE(chain->BlocksToRefetch().empty());
}

TEST_F(StorageFaultTest, MarkSurvivesRestartUntilRefetched) {
  DamageStoredBlock(dir.path(), blocks[1]);
  EXPECT_FALSE(chain->GetBlock(blocks[1].header.Hash()));
  chain.Close();  // flushes the marked index entry
  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->BlocksToRefetch(), std::vector<crypto::Uint256>{blocks[1].header.Hash()});
  EXPECT_EQ(chain->GetBlock(blocks[1].header.Hash()).error().code, ErrorCode::kCorruption);
  EXPECT_EQ(chain->SubmitBlock(blocks[1]).value(), BlockOutcome::kAccepted);  // the good copy
  EXPECT_TRUE(chain->BlocksToRefetch().empty());
  EXPECT_TRUE(chain->GetBlock(blocks[1].header.Hash()));
}

TEST_F(StorageFaultTest, FullDiskStopsWritesWithTheFreeSpaceInTheMessage) {
  env.SetFreeSpace(1234);
  const std::string expected = "disk full: " + (dir.path() / "blocks").string() + ", 1234 bytes free, writes stopped";
  auto refused = chain->SubmitBlock(chain.Build(PayTo(key)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kStorage);
  EXPECT_EQ(refused.error().detail, expected);
  EXPECT_EQ(chain->StorageFault(), expected);
  // Every later write says why writes stopped.
  refused = chain->SubmitBlock(chain.Build(PayTo(key)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kShutDown);
  EXPECT_EQ(refused.error().detail, expected);
  EXPECT_EQ(chain->Tip().height, kBlocks);
  chain.Close();  // no flush, no abort
  env.SetFreeSpace(std::nullopt);
  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->Tip().height, kBlocks);
  chain.Mine(PayTo(key));
  EXPECT_EQ(chain->Tip().height, kBlocks + 1);
}

}  // namespace
}  // namespace parthenon::chain

// Crash safety: a failure at each write step (flat-file append, fdatasync, RocksDB batch) or a
// full disk stops the chainstate; a restart recovers a consistent tip that includes every
// acknowledged block, matches a fresh replay, and the chain continues. Corrupted block files
// and index entries are reported at start-up.
#include <gtest/gtest.h>

#include <fstream>

#include "chain/chainstate.h"
#include "chain/test_chain.h"
#include "storage/fault_env.h"

namespace parthenon::chain {
namespace {

using testing::PayTo;
using testing::TestChain;

// Refuses the `fail_at`th batch commit from now (and every later one with `sticky`).
class BatchFaults final : public storage::WriteFilter {
 public:
  storage::Result<void> BeforeWrite(const storage::WriteBatch&) override {
    ++commits_;
    if (fail_at_ != 0 && (commits_ == fail_at_ || (sticky_ && commits_ > fail_at_))) {
      return storage::MakeError(storage::ErrorCode::kInjected, "batch commit refused");
    }
    return {};
  }
  void FailNth(uint64_t n, bool sticky) {
    fail_at_ = commits_ + n;
    sticky_ = sticky;
  }
  void Heal() { fail_at_ = 0; }

 private:
  uint64_t commits_ = 0;
  uint64_t fail_at_ = 0;
  bool sticky_ = false;
};

struct MiningRun {
  std::vector<primitives::Block> attempted;  // in chain order
  size_t acknowledged = 0;                   // SubmitBlock said kAccepted for the first N
};

// Mines blocks until one submission (or the flush after it) fails, at most `count`.
MiningRun MineUntilFailure(TestChain& chain, const crypto::KeyPair& key, int count, MiningRun run) {
  for (int i = 0; i < count; ++i) {
    run.attempted.push_back(chain.Build(PayTo(key)));
    auto submitted = chain->SubmitBlock(run.attempted.back());
    if (!submitted) return run;
    ++run.acknowledged;
    if (!chain->Flush()) return run;
  }
  return run;
}

// Restarts healed; checks the tip holds every acknowledged block, equals a fresh replay, and
// that the chain continues.
void ExpectRecovered(TestChain& chain, const MiningRun& run, const crypto::KeyPair& key) {
  ASSERT_TRUE(chain.Open());
  const ChainTip tip = chain->Tip();
  ASSERT_GE(static_cast<size_t>(tip.height), run.acknowledged);
  ASSERT_LE(static_cast<size_t>(tip.height), run.attempted.size());
  EXPECT_EQ(tip.hash, run.attempted[tip.height - 1].header.Hash());
  TestChain replay;
  replay.clock.Set(chain.clock.Now());
  ASSERT_TRUE(replay.Open());
  for (int h = 0; h < tip.height; ++h) ASSERT_TRUE(replay->SubmitBlock(run.attempted[h]));
  EXPECT_EQ(replay->UtxoSetHash().value(), chain->UtxoSetHash().value());
  chain.Mine(PayTo(key));
  EXPECT_EQ(chain->Tip().height, tip.height + 1);
}

TEST(CrashTest, FileFaultAtEachWriteStepRecovers) {
  const auto key = crypto::KeyPair::Generate();
  for (storage::Fault fault : {storage::Fault::kIoError, storage::Fault::kShortWrite, storage::Fault::kDiskFull}) {
    for (uint64_t step = 1; step <= 8; ++step) {
      SCOPED_TRACE(::testing::Message() << "fault " << static_cast<int>(fault) << " at write " << step);
      storage::testing::TempDir dir;
      storage::FaultInjectingEnv env(storage::DefaultEnv());
      TestChain chain(dir.path());
      chain.env = &env;
      ASSERT_TRUE(chain.Open());
      MiningRun run = MineUntilFailure(chain, key, 2, {});
      ASSERT_EQ(run.acknowledged, 2u);
      env.FailNthWrite(step, fault);
      run = MineUntilFailure(chain, key, 3, std::move(run));
      ASSERT_LT(run.acknowledged, 5u);  // the fault fired
      EXPECT_EQ(chain->SubmitBlock(chain.Build(PayTo(key))).error().code, ErrorCode::kShutDown);
      chain.Close();
      env.Heal();
      ExpectRecovered(chain, run, key);
    }
  }
}

TEST(CrashTest, BatchCommitFailureRecovers) {
  const auto key = crypto::KeyPair::Generate();
  for (uint64_t step = 1; step <= 4; ++step) {
    SCOPED_TRACE(::testing::Message() << "batch " << step);
    storage::testing::TempDir dir;
    BatchFaults faults;
    TestChain chain(dir.path());
    chain.write_filter = &faults;
    ASSERT_TRUE(chain.Open());
    MiningRun run = MineUntilFailure(chain, key, 2, {});
    faults.FailNth(step, /*sticky=*/false);
    run = MineUntilFailure(chain, key, 3, std::move(run));
    ASSERT_LT(run.acknowledged, 5u);
    chain.Close();
    faults.Heal();
    ExpectRecovered(chain, run, key);
  }
}

TEST(CrashTest, DiskFullBeforeWritingRefusesTheBlock) {
  storage::testing::TempDir dir;
  storage::FaultInjectingEnv env(storage::DefaultEnv());
  TestChain chain(dir.path());
  chain.env = &env;
  ASSERT_TRUE(chain.Open());
  const auto key = crypto::KeyPair::Generate();
  MiningRun run = MineUntilFailure(chain, key, 2, {});
  env.SetFreeSpace(1000);
  run = MineUntilFailure(chain, key, 1, std::move(run));
  EXPECT_EQ(run.acknowledged, 2u);
  chain.Close();
  env.Heal();
  ExpectRecovered(chain, run, key);
}

// kill -9 after blocks were acknowledged but before any flush: every later batch fails, as if
// the process died; the blocks are replayed from the flat files on restart.
TEST(CrashTest, UnflushedBlocksAreReplayed) {
  storage::testing::TempDir dir;
  BatchFaults faults;
  TestChain chain(dir.path());
  chain.write_filter = &faults;
  ASSERT_TRUE(chain.Open());
  const auto key = crypto::KeyPair::Generate();
  MiningRun run;
  for (int i = 0; i < 5; ++i) {
    run.attempted.push_back(chain.Build(PayTo(key)));
    ASSERT_TRUE(chain->SubmitBlock(run.attempted.back()));
    ++run.acknowledged;
  }
  faults.FailNth(1, /*sticky=*/true);  // the shutdown flush never lands
  chain.Close();
  faults.Heal();
  ExpectRecovered(chain, run, key);
  EXPECT_EQ(chain->Tip().height, 6);
}

// Headers-first sync stores blocks out of order: a stored block's index entry is written at
// once, its parent's header entry at the next flush. A crash in between must not leave a
// datadir that cannot be opened ("no parent in the index"): the unreachable entry is forgotten.
TEST(CrashTest, ABlockStoredBeforeItsParentsHeaderWasFlushedSurvivesACrash) {
  TestChain source;
  ASSERT_TRUE(source.Open());
  const auto key = crypto::KeyPair::Generate();
  std::vector<primitives::Block> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(source.Mine(PayTo(key)));
  storage::testing::TempDir dir;
  BatchFaults faults;
  TestChain chain(dir.path());
  chain.write_filter = &faults;
  ASSERT_TRUE(chain.Open());
  chain.clock.Set(source.clock.Now());
  const std::vector<primitives::BlockHeader> headers{blocks[0].header, blocks[1].header, blocks[2].header};
  (void)chain->SubmitHeaders(headers);
  ASSERT_EQ(chain->SubmitBlock(blocks[0]).value(), BlockOutcome::kAccepted);
  ASSERT_TRUE(chain->SubmitBlock(blocks[2]));  // stored; its parent's data has not arrived
  EXPECT_EQ(chain->Tip().height, 1);
  faults.FailNth(1, /*sticky=*/true);  // killed: the shutdown flush never lands
  chain.Close();
  faults.Heal();

  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->Tip().height, 1);
  EXPECT_EQ(chain->Tip().hash, blocks[0].header.Hash());
  ASSERT_TRUE(chain->SubmitBlock(blocks[1]));
  ASSERT_TRUE(chain->SubmitBlock(blocks[2]));
  EXPECT_EQ(chain->Tip().hash, blocks[2].header.Hash());
  chain.Close();
  ASSERT_TRUE(chain.Open());  // and the forgotten entry stays forgotten
  EXPECT_EQ(chain->Tip().height, 3);
}

TEST(CrashTest, CorruptBlockFileIsReportedAtStartup) {
  storage::testing::TempDir dir;
  TestChain chain(dir.path());
  ASSERT_TRUE(chain.Open());
  for (int i = 0; i < 3; ++i) chain.Mine(PayTo(crypto::KeyPair::Generate()));
  chain.Close();
  const auto path = dir.path() / "blocks" / "blk00000.dat";
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size - 5));  // inside the tip's block
    file.put('\x7f');
  }
  auto opened = chain.Open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kCorruption);
  EXPECT_NE(opened.error().detail.find("blk00000.dat offset"), std::string::npos) << opened.error().Message();
}

TEST(CrashTest, CorruptIndexEntryIsReportedAtStartup) {
  storage::testing::TempDir dir;
  TestChain chain(dir.path());
  ASSERT_TRUE(chain.Open());
  chain.Mine(PayTo(crypto::KeyPair::Generate()));
  const auto tip = chain->Tip().hash;
  chain.Close();
  {
    auto db = storage::Database::Open({.path = dir.path() / "db"});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Put(storage::Column::kBlockIndex, tip.span(), util::AsBytes("garbage")));
  }
  auto opened = chain.Open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kCorruption);
  EXPECT_NE(opened.error().detail.find("block index entry " + tip.ToHex()), std::string::npos);
}

}  // namespace
}  // namespace parthenon::chain

#include "chain/coins.h"

#include <gtest/gtest.h>

#include "chain/block_index.h"
#include "storage/test_dir.h"

namespace parthenon::chain {
namespace {

Coin SomeCoin(int64_t value, int32_t height, bool coinbase) {
  return {.out = {.value = value, .script_pubkey = util::Bytes(34, std::byte{0x51})},
          .height = height, .coinbase = coinbase};
}

primitives::OutPoint Point(uint8_t tag, uint32_t index) {
  crypto::Uint256 txid;
  txid.data()[0] = std::byte{tag};
  return {txid, index};
}

TEST(CoinsTest, CoinAndUndoRoundTrip) {
  const Coin coin = SomeCoin(5000, 1234, true);
  primitives::Writer out;
  SerializeCoin(out, coin);
  EXPECT_EQ(DecodeCoin(out.bytes()).value(), coin);
  const BlockUndo undo{{coin, SomeCoin(1, 0, false)}};
  EXPECT_EQ(DecodeUndo(SerializeUndo(undo)).value(), undo);
  EXPECT_FALSE(DecodeUndo(util::Bytes{std::byte{5}}));
}

TEST(CoinsTest, IndexRecordRoundTrip) {
  BlockIndexEntry entry;
  entry.header.time = 77;
  entry.height = 9;
  entry.status = BlockStatus::kHaveData | BlockStatus::kValid;
  entry.tx_count = 3;
  entry.data_pos = {1, 2, 3};
  entry.undo_pos = {4, 5, 6};
  auto decoded = DecodeIndexRecord(SerializeIndexRecord(entry));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->header, entry.header);
  EXPECT_EQ(decoded->height, 9);
  EXPECT_EQ(decoded->undo_pos, entry.undo_pos);
}

TEST(CoinsTest, CacheWritesBackAndOverlayCommitsOnlyOnRequest) {
  storage::testing::TempDir dir;
  auto db = storage::Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db);
  CoinsCache cache(**db);
  cache.Add(Point(1, 0), SomeCoin(10, 1, false));
  cache.Add(Point(2, 0), SomeCoin(20, 1, false));
  storage::WriteBatch batch;
  cache.WriteChanges(batch);
  ASSERT_TRUE((*db)->Write(batch));
  cache.MarkFlushed(true);

  CoinsCache reloaded(**db);
  EXPECT_EQ(reloaded.Get(Point(1, 0)).value()->out.value, 10);
  {
    CoinsOverlay overlay(reloaded);
    ASSERT_TRUE(overlay.Get(Point(1, 0)).value());
    overlay.Spend(Point(1, 0));
    EXPECT_FALSE(overlay.Get(Point(1, 0)).value());
  }  // dropped: nothing changes
  EXPECT_TRUE(reloaded.Get(Point(1, 0)).value());
  CoinsOverlay overlay(reloaded);
  ASSERT_TRUE(overlay.Get(Point(1, 0)).value());
  overlay.Spend(Point(1, 0));
  overlay.Add(Point(3, 1), SomeCoin(30, 2, true));
  overlay.Commit();
  storage::WriteBatch second;
  reloaded.WriteChanges(second);
  ASSERT_TRUE((*db)->Write(second));
  reloaded.MarkFlushed(false);
  CoinsCache fresh(**db);
  EXPECT_FALSE(fresh.Get(Point(1, 0)).value());
  EXPECT_TRUE(fresh.Get(Point(2, 0)).value());
  EXPECT_EQ(fresh.Get(Point(3, 1)).value()->height, 2);
}

}  // namespace
}  // namespace parthenon::chain

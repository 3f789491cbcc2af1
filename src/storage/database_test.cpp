#include "storage/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "storage/fault_env.h"
#include "storage/test_dir.h"

namespace parthenon::storage {
namespace {

util::Bytes B(std::string_view text) { return util::ToBytes(text); }

class FailingFilter final : public WriteFilter {
 public:
  Result<void> BeforeWrite(const WriteBatch&) override {
    if (fail) return MakeError(ErrorCode::kInjected, "batch refused");
    return {};
  }
  bool fail = false;
};

TEST(DatabaseTest, PutGetDeleteAcrossColumnsAndReopen) {
  testing::TempDir dir;
  {
    auto db = Database::Open({.path = dir.path() / "db"});
    ASSERT_TRUE(db) << db.error().Message();
    for (Column column : kAllColumns) {
      ASSERT_TRUE((*db)->Put(column, B("key"), B(Name(column))));
    }
    ASSERT_TRUE((*db)->Delete(Column::kBans, B("key")));
  }
  auto db = Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)->Get(Column::kUtxo, B("key")).value(), B("utxo"));
  EXPECT_EQ((*db)->Get(Column::kWallet, B("key")).value(), B("wallet"));
  EXPECT_FALSE((*db)->Get(Column::kBans, B("key")).value().has_value());
  ColumnHandle peers(**db, Column::kPeers);
  EXPECT_EQ(peers.Get(B("key")).value(), B("peers"));
}

TEST(DatabaseTest, BatchIsAtomicAndFilterCanRefuseIt) {
  testing::TempDir dir;
  FailingFilter filter;
  auto db = Database::Open({.path = dir.path() / "db", .write_filter = &filter});
  ASSERT_TRUE(db);
  WriteBatch batch;
  batch.Put(Column::kUtxo, B("a"), B("1"));
  batch.Put(Column::kMeta, B("best"), B("x"));
  filter.fail = true;
  auto refused = (*db)->Write(batch);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInjected);
  EXPECT_FALSE((*db)->Get(Column::kUtxo, B("a")).value().has_value());
  filter.fail = false;
  ASSERT_TRUE((*db)->Write(batch));
  EXPECT_EQ((*db)->Get(Column::kMeta, B("best")).value(), B("x"));
}

TEST(DatabaseTest, ScanVisitsPrefixInOrder) {
  testing::TempDir dir;
  auto db = Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db);
  for (std::string_view key : {"k2", "k1", "j9", "k3", "l0"}) {
    ASSERT_TRUE((*db)->Put(Column::kWallet, B(key), B(key)));
  }
  std::vector<std::string> seen;
  ASSERT_TRUE((*db)->Scan(Column::kWallet, B("k"), [&](util::ByteSpan key, util::ByteSpan) {
    seen.emplace_back(util::AsChars(key));
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"k1", "k2", "k3"}));
}

TEST(DatabaseTest, DirectoryIsOwnerOnly) {
  testing::TempDir dir;
  auto db = Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(DatabaseTest, WritesStopBelowTheFreeSpaceMarginWithAClearError) {
  testing::TempDir dir;
  FaultInjectingEnv env(DefaultEnv());
  {
    auto db = Database::Open({.path = dir.path() / "db", .env = &env});
    ASSERT_TRUE(db) << db.error().Message();
    ASSERT_TRUE((*db)->Put(Column::kMeta, B("kept"), B("1")));
    env.SetFreeSpace(4096);
    auto refused = (*db)->Put(Column::kMeta, B("refused"), B("2"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kDiskFull);
    EXPECT_EQ(refused.error().Message(),
              "disk full: " + (dir.path() / "db").string() + ", 4096 bytes free, writes stopped");
  }  // closes without flushing onto the "full" disk
  env.SetFreeSpace(std::nullopt);
  auto db = Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db) << db.error().Message();
  EXPECT_EQ((*db)->Get(Column::kMeta, B("kept")).value(), B("1"));
  EXPECT_FALSE((*db)->Get(Column::kMeta, B("refused")).value().has_value());
}

// ENOSPC inside RocksDB (the write-ahead log, then every file it writes while closing, through
// the injecting Env): the write fails with kDiskFull, closing is clean (no flush, no abort), and
// every acknowledged write is there after reopening. (RocksDB's info log, whose writer asserted
// after ENOSPC, is not a file any more; functional_disk_full shows that on a real full disk.)
TEST(DatabaseTest, CloseAfterTheDiskFilledUnderRocksDbIsCleanAndLosesNothingAcknowledged) {
  testing::TempDir dir;
  FaultInjectingEnv env(DefaultEnv());
  {
    auto db = Database::Open({.path = dir.path() / "db", .min_free_bytes = 0, .env = &env});
    ASSERT_TRUE(db) << db.error().Message();
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*db)->Put(Column::kUtxo, B("acked" + std::to_string(i)), B(std::string(1000, 'x'))));
    }
    env.FailNthWrite(1, Fault::kDiskFull);  // and every write after it
    auto failed = (*db)->Put(Column::kUtxo, B("lost"), B("y"));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::kDiskFull);
    EXPECT_NE(failed.error().Message().find("disk full: "), std::string::npos) << failed.error().Message();
    EXPECT_NE(failed.error().Message().find("writes stopped"), std::string::npos) << failed.error().Message();
    EXPECT_FALSE((*db)->Put(Column::kUtxo, B("lost2"), B("y")));
  }
  env.Heal();
  auto db = Database::Open({.path = dir.path() / "db"});
  ASSERT_TRUE(db) << db.error().Message();
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE((*db)->Get(Column::kUtxo, B("acked" + std::to_string(i))).value().has_value()) << i;
  }
}

}  // namespace
}  // namespace parthenon::storage

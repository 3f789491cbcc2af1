#include "storage/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace parthenon::storage

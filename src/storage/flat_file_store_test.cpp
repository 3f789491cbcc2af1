#include "storage/flat_file_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/fault_env.h"
#include "storage/test_dir.h"

namespace parthenon::storage {
namespace {

constexpr std::array<std::byte, 4> kMagic = {std::byte{0xfa}, std::byte{0xbf}, std::byte{0xb5},
                                             std::byte{0xda}};

FlatFileStore::Options StoreOptions(const std::filesystem::path& dir, Env* env = nullptr) {
  return {.dir = dir, .prefix = "blk", .magic = kMagic, .max_file_size = 1000,
          .min_free_bytes = 0, .env = env};
}

TEST(FlatFileStoreTest, AppendReadRollOverAndReopen) {
  testing::TempDir dir;
  std::vector<FilePos> positions;
  {
    auto store = FlatFileStore::Open(StoreOptions(dir.path()));
    ASSERT_TRUE(store);
    for (int i = 0; i < 20; ++i) {
      auto pos = (*store)->Append(util::Bytes(100, std::byte(i)));
      ASSERT_TRUE(pos);
      positions.push_back(*pos);
    }
    ASSERT_TRUE((*store)->Sync());
  }
  EXPECT_GT(positions.back().file, 0u);  // rolled over at 1000 bytes
  auto store = FlatFileStore::Open(StoreOptions(dir.path()));
  ASSERT_TRUE(store);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ((*store)->Read(positions[i]).value(), util::Bytes(100, std::byte(i)));
  }
  auto next = (*store)->Append(util::Bytes(5));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->file, positions.back().file);  // continues after the last file's end
  EXPECT_GT(next->offset, positions.back().offset);
}

TEST(FlatFileStoreTest, CorruptionIsReportedWithFileAndOffset) {
  testing::TempDir dir;
  auto store = FlatFileStore::Open(StoreOptions(dir.path()));
  ASSERT_TRUE(store);
  auto pos = (*store)->Append(util::Bytes(50, std::byte{7}));
  ASSERT_TRUE(pos);
  ASSERT_TRUE((*store)->Sync());
  {
    std::fstream file((*store)->FilePath(pos->file), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(pos->offset + kRecordHeaderSize + 10));
    file.put('x');
  }
  auto read = (*store)->Read(*pos);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kCorruption);
  EXPECT_NE(read.error().detail.find("blk00000.dat offset 0"), std::string::npos);
  auto past_end = (*store)->Read({.file = 0, .offset = 1000, .size = 10});
  ASSERT_FALSE(past_end);
  EXPECT_EQ(past_end.error().code, ErrorCode::kCorruption);
}

TEST(FlatFileStoreTest, InjectedFaults) {
  testing::TempDir dir;
  FaultInjectingEnv env(DefaultEnv());
  auto store = FlatFileStore::Open(StoreOptions(dir.path(), &env));
  ASSERT_TRUE(store);
  auto good = (*store)->Append(util::Bytes(10, std::byte{1}));
  ASSERT_TRUE(good);

  env.FailNthWrite(1, Fault::kShortWrite);
  auto torn = (*store)->Append(util::Bytes(100, std::byte{2}));
  ASSERT_FALSE(torn);
  EXPECT_EQ(torn.error().code, ErrorCode::kShortWrite);
  auto after = (*store)->Append(util::Bytes(10, std::byte{3}));
  ASSERT_TRUE(after);  // a fresh file: never after the torn record
  EXPECT_EQ((*store)->Read(*after).value(), util::Bytes(10, std::byte{3}));
  EXPECT_EQ((*store)->Read(*good).value(), util::Bytes(10, std::byte{1}));

  env.FailNthWrite(1, Fault::kIoError);
  EXPECT_EQ((*store)->Sync().error().code, ErrorCode::kInjected);

  env.SetFreeSpace(100);
  EXPECT_EQ((*store)->Append(util::Bytes(200)).error().code, ErrorCode::kDiskFull);
  env.Heal();
  env.FailNthWrite(1, Fault::kDiskFull);
  EXPECT_EQ((*store)->Append(util::Bytes(1)).error().code, ErrorCode::kDiskFull);
  EXPECT_EQ((*store)->Append(util::Bytes(1)).error().code, ErrorCode::kDiskFull);  // stays full
  env.Heal();
  EXPECT_TRUE((*store)->Append(util::Bytes(1)));
}

}  // namespace
}  // namespace parthenon::storage

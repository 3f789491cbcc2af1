#include "storage/flat_file_store.h"

#include <gtest/gtest.h>

#include <atomic>
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

// A segment is handed out only after the whole payload checked, with its stored checksum, its
// first bytes, and a file that reads back the payload at its offset.
TEST(FlatFileStoreTest, VerifiedSegmentChecksThePayloadBeforeHandingItOut) {
  testing::TempDir dir;
  auto options = StoreOptions(dir.path());
  options.max_file_size = 4 << 20;
  auto store = FlatFileStore::Open(options).value();
  util::Bytes payload(300 * 1024);  // more than one read chunk
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i * 7 % 251);
  const auto pos = store->Append(payload).value();
  ASSERT_TRUE(store->Sync());
  auto segment = store->VerifiedSegment(pos, 80);
  ASSERT_TRUE(segment) << segment.error().Message();
  EXPECT_EQ(segment->size, payload.size());
  EXPECT_EQ(segment->prefix, util::Bytes(payload.begin(), payload.begin() + 80));
  const auto record = store->ReadRecord(pos).value();
  EXPECT_TRUE(std::equal(segment->checksum.begin(), segment->checksum.end(), record.begin() + kRecordChecksumOffset));
  util::Bytes back(payload.size());
  ASSERT_TRUE(segment->file->ReadInto(segment->offset, back));
  EXPECT_EQ(back, payload);
  EXPECT_GE(segment->file->Descriptor(), 0);  // the POSIX file can be sent by the kernel

  // One flipped byte near the end, then a cut in the middle: both found, naming the place.
  const auto path = store->FilePath(pos.file);
  {
    std::fstream bytes(path, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(static_cast<std::streamoff>(segment->offset + payload.size() - 3));
    bytes.put(static_cast<char>(payload[payload.size() - 3] ^ std::byte{1}));
  }
  auto flipped = store->VerifiedSegment(pos, 80);
  ASSERT_FALSE(flipped);
  EXPECT_EQ(flipped.error().code, ErrorCode::kCorruption);
  EXPECT_NE(flipped.error().detail.find("checksum mismatch"), std::string::npos);
  std::filesystem::resize_file(path, segment->offset + payload.size() / 2);
  auto truncated = store->VerifiedSegment(pos, 80);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kCorruption);
  EXPECT_NE(truncated.error().detail.find("truncated"), std::string::npos) << truncated.error().detail;
  auto mislabelled = store->VerifiedSegment({pos.file, pos.offset, pos.size - 1}, 0);
  ASSERT_FALSE(mislabelled);
  EXPECT_NE(mislabelled.error().detail.find("length"), std::string::npos);
}

// A payload appended with the checksum it arrived with is stored as it came and reads back
// checked, like one the store hashed itself.
TEST(FlatFileStoreTest, AppendWithKnownChecksum) {
  testing::TempDir dir;
  auto store = FlatFileStore::Open(StoreOptions(dir.path())).value();
  const util::Bytes payload(200, std::byte{9});
  const auto hashed = store->Append(payload).value();
  const auto record = store->ReadRecord(hashed).value();
  std::array<std::byte, 4> checksum;
  std::copy_n(record.begin() + kRecordChecksumOffset, 4, checksum.begin());
  const auto known = store->Append(payload, checksum).value();
  EXPECT_EQ(store->Read(known).value(), payload);
  std::array<std::byte, 4> wrong = checksum;
  wrong[0] ^= std::byte{1};
  const auto bad = store->Append(payload, wrong).value();  // a caller bug is still caught on read
  EXPECT_EQ(store->Read(bad).error().code, ErrorCode::kCorruption);
}

// The POSIX environment, counting the bytes read through its files (which keep their
// descriptors, so the store can tell whether a file changed). Thread-safe.
class CountingEnv final : public Env {
 public:
  class File final : public RandomAccessFile {
   public:
    File(std::unique_ptr<RandomAccessFile> inner, std::atomic<uint64_t>& bytes)
        : inner_(std::move(inner)), bytes_(bytes) {}
    Result<util::Bytes> Read(uint64_t offset, size_t size) const override {
      bytes_ += size;
      return inner_->Read(offset, size);
    }
    Result<void> ReadInto(uint64_t offset, std::span<std::byte> out) const override {
      bytes_ += out.size();
      return inner_->ReadInto(offset, out);
    }
    int Descriptor() const override { return inner_->Descriptor(); }

   private:
    std::unique_ptr<RandomAccessFile> inner_;
    std::atomic<uint64_t>& bytes_;
  };
  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::filesystem::path& path) override {
    return DefaultEnv().OpenAppendable(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenReadable(const std::filesystem::path& path) override {
    auto file = DefaultEnv().OpenReadable(path);
    if (!file) return std::unexpected(file.error());
    return std::make_unique<File>(std::move(*file), bytes_read);
  }
  Result<void> CreateDirectories(const std::filesystem::path& dir) override {
    return DefaultEnv().CreateDirectories(dir);
  }
  Result<void> Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return DefaultEnv().Rename(from, to);
  }
  Result<void> Remove(const std::filesystem::path& path) override { return DefaultEnv().Remove(path); }
  Result<uint64_t> FileSize(const std::filesystem::path& path) override { return DefaultEnv().FileSize(path); }
  Result<uint64_t> FreeSpace(const std::filesystem::path& path) override { return DefaultEnv().FreeSpace(path); }

  std::atomic<uint64_t> bytes_read{0};
};

// A record is hashed on its first VerifiedSegment and, while its file stays as it was, only its
// header and prefix are read afterwards; any write to the file (here one flipped byte, which
// leaves the size alone) makes the next call hash it again and find the damage.
TEST(FlatFileStoreTest, VerifiedSegmentHashesARecordAgainOnlyAfterItsFileChanged) {
  testing::TempDir dir;
  CountingEnv env;
  auto options = StoreOptions(dir.path(), &env);
  options.max_file_size = 4 << 20;
  auto store = FlatFileStore::Open(options).value();
  const util::Bytes payload(200 * 1024, std::byte{0x42});
  const auto pos = store->Append(payload).value();
  ASSERT_TRUE(store->Sync());
  ASSERT_TRUE(store->VerifiedSegment(pos, 80));
  EXPECT_GE(env.bytes_read.load(), payload.size());
  env.bytes_read = 0;
  auto again = store->VerifiedSegment(pos, 80);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->prefix, util::Bytes(80, std::byte{0x42}));
  EXPECT_EQ(env.bytes_read.load(), kRecordHeaderSize + 80);
  {
    std::fstream bytes(store->FilePath(pos.file), std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(static_cast<std::streamoff>(again->offset + payload.size() / 2));
    bytes.put('\x43');
  }
  env.bytes_read = 0;
  auto damaged = store->VerifiedSegment(pos, 80);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::kCorruption);
  EXPECT_GE(env.bytes_read.load(), payload.size());
}

}  // namespace
}  // namespace parthenon::storage

#include "p2p/transport/send_queue.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::transport {
namespace {

OutFrame Frame(size_t size) { return {std::make_shared<const util::Bytes>(size), 0}; }

TEST(SendQueueTest, RefusesPastByteCap) {
  SendQueue queue(100, 10);
  EXPECT_TRUE(queue.Push(Frame(60)));
  EXPECT_FALSE(queue.Push(Frame(41)));
  EXPECT_TRUE(queue.Push(Frame(40)));
  EXPECT_EQ(queue.bytes(), 100u);
}

TEST(SendQueueTest, RefusesPastMessageCap) {
  SendQueue queue(1000, 2);
  EXPECT_TRUE(queue.Push(Frame(1)));
  EXPECT_TRUE(queue.Push(Frame(1)));
  EXPECT_FALSE(queue.Push(Frame(1)));
}

TEST(SendQueueTest, PopBatchRespectsLimitsAndAlwaysTakesOne) {
  SendQueue queue(1000, 100);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Push(Frame(100)));
  std::vector<OutFrame> batch;
  queue.PopBatch(batch, 3, 1000);
  EXPECT_EQ(batch.size(), 3u);
  batch.clear();
  queue.PopBatch(batch, 10, 50);  // first frame is bigger than the batch budget: still taken
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.bytes(), 100u);
}

// A frame whose payload is a file segment weighs its header plus the segment, against the caps
// and in batches, and keeps its place in the queue.
TEST(SendQueueTest, FileSegmentFramesCountTheirPayloadAndKeepTheirPlace) {
  SendQueue queue(1000, 100);
  OutFrame stored = Frame(24);
  stored.file = FileSegment{nullptr, 4096, 500};
  EXPECT_EQ(stored.size(), 524u);
  ASSERT_TRUE(queue.Push(Frame(10)));
  ASSERT_TRUE(queue.Push(stored));
  EXPECT_EQ(queue.bytes(), 534u);
  OutFrame too_big = stored;
  too_big.file->size = 1000;
  EXPECT_FALSE(queue.Push(too_big));
  ASSERT_TRUE(queue.Push(Frame(20)));
  std::vector<OutFrame> batch;
  queue.PopBatch(batch, 10, 100);  // the stored frame does not fit after the first
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_FALSE(batch[0].file);
  batch.clear();
  queue.PopBatch(batch, 10, 100);
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_TRUE(batch[0].file);
  EXPECT_EQ(batch[0].file->offset, 4096u);
  EXPECT_EQ(queue.bytes(), 20u);
}

}  // namespace
}  // namespace parthenon::p2p::transport

#include "p2p/transport/rate_limiter.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::transport {
namespace {

using namespace std::chrono_literals;
const SteadyTime kStart{std::chrono::seconds{1000}};

TEST(TokenBucketTest, BurstThenRate) {
  TokenBucket bucket(100, 10, kStart);
  for (int i = 0; i < 10; ++i) bucket.Take(1, kStart);
  EXPECT_EQ(bucket.Delay(kStart), 0ns);
  bucket.Take(1, kStart);
  EXPECT_EQ(bucket.Delay(kStart), 10ms);  // one token at 100/s
  EXPECT_EQ(bucket.Delay(kStart + 10ms), 0ns);
  // Refill never exceeds the burst.
  EXPECT_DOUBLE_EQ(bucket.tokens(kStart + 1h), 10);
}

TEST(ReceiveRateLimiterTest, DelayIsTheSlowerBudget) {
  ReceiveRateLimiter limiter({.messages_per_second = 100, .message_burst = 1,
                              .bytes_per_second = 1000, .byte_burst = 1000,
                              .window = 1s, .abuse_fraction = 0.5},
                             kStart);
  limiter.OnMessage(2000, kStart);  // 1000 bytes over: 1 s; messages: 0 over
  EXPECT_EQ(limiter.Delay(kStart), 1s);
}

TEST(ReceiveRateLimiterTest, ReportsAbuseOncePerWindow) {
  ReceiveRateLimiter limiter({.messages_per_second = 100, .message_burst = 1,
                              .bytes_per_second = 1e9, .byte_burst = 1e9,
                              .window = 1s, .abuse_fraction = 0.5},
                             kStart);
  EXPECT_FALSE(limiter.RecordPause(400ms, kStart + 400ms));
  EXPECT_TRUE(limiter.RecordPause(200ms, kStart + 600ms));
  EXPECT_FALSE(limiter.RecordPause(300ms, kStart + 900ms));  // already reported
  EXPECT_FALSE(limiter.RecordPause(100ms, kStart + 1100ms));  // new window
}

}  // namespace
}  // namespace parthenon::p2p::transport

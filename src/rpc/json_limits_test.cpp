#include "rpc/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace parthenon::rpc {
namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonLimits, DepthAtTheLimitIsAllowed) {
  EXPECT_FALSE(ExceedsJsonDepth(Nested(3), 3));
  EXPECT_TRUE(ExceedsJsonDepth(Nested(4), 3));
  EXPECT_FALSE(ExceedsJsonDepth(R"({"a":[1,{"b":[]}]})", 4));
  EXPECT_TRUE(ExceedsJsonDepth(R"({"a":[1,{"b":[[]]}]})", 4));
}

TEST(JsonLimits, BracketsInsideStringsDoNotCount) {
  EXPECT_FALSE(ExceedsJsonDepth(R"(["[[[[{{{{"])", 1));
  // An escaped quote does not end the string; an escaped backslash before a quote does.
  EXPECT_FALSE(ExceedsJsonDepth(R"(["\"[[[["])", 1));
  EXPECT_TRUE(ExceedsJsonDepth(R"(["\\",[[]]])", 2));
}

TEST(JsonLimits, DeepInputIsRejectedWithoutRecursion) {
  EXPECT_TRUE(ExceedsJsonDepth(std::string(10'000'000, '['), kMaxJsonDepth));
  EXPECT_FALSE(ExceedsJsonDepth(std::string(10'000'000, ']'), kMaxJsonDepth));
}

}  // namespace
}  // namespace parthenon::rpc

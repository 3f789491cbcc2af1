#include "rpc/params.h"

#include <gtest/gtest.h>

namespace parthenon::rpc {
namespace {

using nlohmann::json;

TEST(Params, PositionalAndNamedAndOptional) {
  const json positional = json::parse(R"(["abc", 5, true])");
  Params p(positional, {"s", "n", "b", "extra"});
  EXPECT_TRUE(p.CheckShape().has_value());
  EXPECT_EQ(p.String(0).value(), "abc");
  EXPECT_EQ(p.Int(1, 0, 10).value(), 5);
  EXPECT_EQ(p.Bool(2).value(), true);
  EXPECT_FALSE(p.OptionalInt(3, 0, 1).value().has_value());
  EXPECT_EQ(p.Int(3, 0, 1).error().code, ErrorCode::kInvalidParams);

  const json named = json::parse(R"({"n": 3, "s": null})");
  Params q(named, {"s", "n"});
  EXPECT_FALSE(q.OptionalString(0).value().has_value());  // null counts as absent
  EXPECT_EQ(q.Int(1, 0, 10).value(), 3);
}

TEST(Params, TypeAndRangeErrorsNameTheParameter) {
  const json params = json::parse(R"(["x", -1, 2.5])");
  Params p(params, {"height", "count", "ratio"});
  auto wrong_type = p.Int(0, 0, 10);
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_EQ(wrong_type.error().code, ErrorCode::kTypeError);
  EXPECT_NE(wrong_type.error().message.find("height"), std::string::npos);
  auto out_of_range = p.Int(1, 0, 10);
  ASSERT_FALSE(out_of_range.has_value());
  EXPECT_EQ(out_of_range.error().code, ErrorCode::kInvalidParameter);
  EXPECT_NE(out_of_range.error().message.find("count"), std::string::npos);
  EXPECT_EQ(p.Int(2, 0, 10).error().code, ErrorCode::kTypeError);  // not an integer
}

}  // namespace
}  // namespace parthenon::rpc

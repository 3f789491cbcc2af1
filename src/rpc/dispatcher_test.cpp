#include "rpc/dispatcher.h"

#include <gtest/gtest.h>

#include "rpc/json_limits.h"
#include "rpc/params.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    dispatcher_.Register({.name = "add",
                          .arguments = "a b",
                          .description = "Adds two integers.",
                          .handler = [](const json& params) -> Result<json> {
                            Params p(params, {"a", "b"});
                            if (auto shape = p.CheckShape(); !shape) return std::unexpected(shape.error());
                            auto a = p.Int(0, -1000, 1000);
                            if (!a) return std::unexpected(a.error());
                            auto b = p.Int(1, -1000, 1000);
                            if (!b) return std::unexpected(b.error());
                            return *a + *b;
                          }});
    dispatcher_.Register({.name = "boom", .arguments = "", .description = "Throws.",
                          .handler = [](const json&) -> Result<json> { return json().at("x"); }});
  }

  json Call(const std::string& body) { return json::parse(dispatcher_.HandleBody(body)); }

  Dispatcher dispatcher_;
};

TEST_F(DispatcherTest, Version2Success) {
  const json response = Call(R"({"jsonrpc":"2.0","method":"add","params":[2,3],"id":7})");
  EXPECT_EQ(response, json::parse(R"({"jsonrpc":"2.0","result":5,"id":7})"));
}

TEST_F(DispatcherTest, NamedParams) {
  const json response = Call(R"({"jsonrpc":"2.0","method":"add","params":{"b":1,"a":2},"id":"x"})");
  EXPECT_EQ(response["result"], 3);
  EXPECT_EQ(response["id"], "x");
}

TEST_F(DispatcherTest, Version1ShapeForBitcoinCliStyleClients) {
  const json response = Call(R"({"method":"add","params":[1,1],"id":1})");
  EXPECT_EQ(response, json::parse(R"({"result":2,"error":null,"id":1})"));
}

TEST_F(DispatcherTest, StandardErrors) {
  EXPECT_EQ(Call("{not json")["error"]["code"], -32700);
  EXPECT_EQ(Call("42")["error"]["code"], -32600);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":5,"id":1})")["error"]["code"], -32600);
  EXPECT_EQ(Call(R"({"jsonrpc":"3.0","method":"add","id":1})")["error"]["code"], -32600);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"nope","id":1})")["error"]["code"], -32601);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":[1],"id":1})")["error"]["code"], -32602);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":[1,2,3],"id":1})")["error"]["code"], -32602);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":{"c":1},"id":1})")["error"]["code"], -32602);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":["1",2],"id":1})")["error"]["code"], -3);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":[5000,2],"id":1})")["error"]["code"], -8);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"add","params":7,"id":1})")["error"]["code"], -32600);
}

TEST_F(DispatcherTest, HandlerExceptionIsAnInternalError) {
  const json response = Call(R"({"jsonrpc":"2.0","method":"boom","id":1})");
  EXPECT_EQ(response["error"]["code"], -32603);
}

TEST_F(DispatcherTest, NotificationsGetNoResponse) {
  EXPECT_EQ(dispatcher_.HandleBody(R"({"jsonrpc":"2.0","method":"add","params":[1,2]})"), "");
}

TEST_F(DispatcherTest, Batch) {
  const json response = Call(R"([{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1},
                                  {"jsonrpc":"2.0","method":"add","params":[3,4]},
                                  {"jsonrpc":"2.0","method":"nope","id":3}])");
  ASSERT_TRUE(response.is_array());
  ASSERT_EQ(response.size(), 2u);  // the notification has no response
  EXPECT_EQ(response[0]["result"], 3);
  EXPECT_EQ(response[1]["error"]["code"], -32601);
  EXPECT_EQ(Call("[]")["error"]["code"], -32600);
}

TEST_F(DispatcherTest, OversizedBatchRejected) {
  std::string body = "[";
  for (size_t i = 0; i <= kMaxBatchSize; ++i) body += std::string(i ? "," : "") + R"({"method":"add","params":[1,1],"id":1})";
  body += "]";
  EXPECT_EQ(Call(body)["error"]["code"], -32600);
}

TEST_F(DispatcherTest, DeeplyNestedBodyIsAParseErrorNotACrash) {
  const std::string deep_params = R"({"jsonrpc":"2.0","method":"add","id":1,"params":)" +
                                  std::string(100'000, '[') + std::string(100'000, ']') + "}";
  const json error = Call(deep_params)["error"];
  EXPECT_EQ(error["code"], -32700);
  EXPECT_NE(error["message"].get<std::string>().find("nested deeper than 100"), std::string::npos);
  // Unbalanced: the pre-scan stops at the limit, the parser is never reached.
  EXPECT_EQ(Call(std::string(1'000'000, '['))["error"]["code"], -32700);
  // Exactly at the limit (98 arrays + the object + its params) a body still parses and
  // dispatches: a batch whose item is not an object.
  const std::string at_limit = std::string(kMaxJsonDepth - 2, '[') +
                               R"({"jsonrpc":"2.0","method":"add","params":[1,2],"id":1})" +
                               std::string(kMaxJsonDepth - 2, ']');
  EXPECT_NE(Call(at_limit).dump().find("-32600"), std::string::npos);
}

TEST_F(DispatcherTest, HelpListsAndDescribes) {
  const json list = Call(R"({"jsonrpc":"2.0","method":"help","id":1})");
  EXPECT_NE(list["result"].get<std::string>().find("add a b"), std::string::npos);
  const json one = Call(R"({"jsonrpc":"2.0","method":"help","params":["add"],"id":1})");
  EXPECT_NE(one["result"].get<std::string>().find("Adds two integers."), std::string::npos);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"help","params":["zzz"],"id":1})")["error"]["code"], -32601);
}

}  // namespace
}  // namespace parthenon::rpc

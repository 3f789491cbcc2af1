#include "rpc/client.h"

#include <gtest/gtest.h>

#include "rpc/http_server.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

TEST(Client, ArgumentsBecomeJsonValuesOrStrings) {
  auto request = BuildRequest("sendtoaddress", {"rprt1pabc", "1.5", "true", "[1,2]", "\"quoted\""}, false);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ((*request)["params"], json::parse(R"(["rprt1pabc", 1.5, true, [1,2], "quoted"])"));
  EXPECT_EQ((*request)["method"], "sendtoaddress");
  EXPECT_EQ((*request)["jsonrpc"], "2.0");
}

TEST(Client, NamedArguments) {
  auto request = BuildRequest("getblockhash", {"height=5"}, true);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ((*request)["params"], json::parse(R"({"height": 5})"));
  EXPECT_FALSE(BuildRequest("x", {"novalue"}, true).has_value());
}

TEST(Client, FormatsResultsAndErrorsLikeBitcoinCli) {
  EXPECT_EQ(FormatCallResult({200, R"({"result":"abc","id":1})", ""}, "h").out, "abc\n");
  EXPECT_EQ(FormatCallResult({200, R"({"result":{"a":1},"id":1})", ""}, "h").out, "{\n  \"a\": 1\n}\n");
  EXPECT_EQ(FormatCallResult({200, R"({"result":null,"id":1})", ""}, "h").out, "");
  const CliOutput error = FormatCallResult({200, R"({"error":{"code":-32601,"message":"Method not found: x"},"id":1})", ""}, "h");
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_EQ(error.err, "error code: -32601\nerror message:\nMethod not found: x\n");
  EXPECT_EQ(FormatCallResult({401, "", ""}, "h").exit_code, 1);
  const CliOutput down = FormatCallResult({0, "", "Connection"}, "127.0.0.1:1");
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("127.0.0.1:1"), std::string::npos);
}

TEST(Client, CallsARealServer) {
  Dispatcher dispatcher;
  dispatcher.Register({.name = "ping", .arguments = "", .description = "",
                       .handler = [](const json&) -> Result<json> { return nullptr; }});
  const Credentials credentials{"u", "p"};
  HttpServer server({.credentials = credentials}, dispatcher);
  auto port = server.Start();
  ASSERT_TRUE(port.has_value());
  const std::string body = BuildRequest("ping", {}, false)->dump();
  const CallResult ok = Call("127.0.0.1", *port, credentials, body, std::chrono::seconds(5));
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_EQ(FormatCallResult(ok, "").exit_code, 0);
  const CallResult denied = Call("127.0.0.1", *port, {"u", "wrong"}, body, std::chrono::seconds(5));
  EXPECT_EQ(denied.http_status, 401);
  server.Stop();
  const CallResult down = Call("127.0.0.1", *port, credentials, body, std::chrono::seconds(2));
  EXPECT_EQ(down.http_status, 0);
}

}  // namespace
}  // namespace parthenon::rpc

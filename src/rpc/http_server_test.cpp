#include "rpc/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace parthenon::rpc {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dispatcher_.Register({.name = "echo", .arguments = "value", .description = "Echoes.",
                          .handler = [](const nlohmann::json& params) -> Result<nlohmann::json> {
                            return params.empty() ? nlohmann::json(nullptr) : params[0];
                          }});
    server_ = std::make_unique<HttpServer>(
        HttpServerOptions{.credentials = credentials_, .max_body_bytes = 1024, .threads = 2},
        dispatcher_);
    server_->AddGet("/api/v1/node/info", [] {
      return HttpResponse{.body = R"({"success":true,"data":{}})"};
    });
    auto port = server_->Start();
    ASSERT_TRUE(port.has_value()) << port.error();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  httplib::Headers Auth() const { return {{"Authorization", BasicAuthorization(credentials_)}}; }

  const Credentials credentials_{"user", "secret"};
  Dispatcher dispatcher_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, RequestsWithoutCredentialsGet401) {
  auto rpc = client_->Post("/", R"({"jsonrpc":"2.0","method":"echo","params":[1],"id":1})",
                           "application/json");
  ASSERT_TRUE(rpc);
  EXPECT_EQ(rpc->status, 401);
  EXPECT_EQ(rpc->get_header_value("WWW-Authenticate"), "Basic realm=\"parthenon\"");
  auto rest = client_->Get("/api/v1/node/info");
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->status, 401);
  auto wrong = client_->Get("/api/v1/node/info", {{"Authorization", BasicAuthorization({"user", "guess"})}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
}

TEST_F(HttpServerTest, JsonRpcWithCredentials) {
  auto response = client_->Post("/", Auth(), R"({"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1})",
                                "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["result"], "hi");
}

TEST_F(HttpServerTest, RestRoute) {
  auto response = client_->Get("/api/v1/node/info", Auth());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["success"], true);
}

TEST_F(HttpServerTest, OversizedBodyRejected) {
  auto response = client_->Post("/", Auth(), std::string(4096, ' '), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST_F(HttpServerTest, NotificationGets204) {
  auto response = client_->Post("/", Auth(), R"({"jsonrpc":"2.0","method":"echo","params":[1]})",
                                "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
}

TEST(HttpServer, PortInUseIsAClearError) {
  Dispatcher dispatcher;
  HttpServer first({.credentials = {"a", "b"}}, dispatcher);
  auto port = first.Start();
  ASSERT_TRUE(port.has_value());
  HttpServer second({.port = *port, .credentials = {"a", "b"}}, dispatcher);
  auto result = second.Start();
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("cannot bind"), std::string::npos);
}

}  // namespace
}  // namespace parthenon::rpc

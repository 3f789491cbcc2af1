#include "rpc/tls_methods.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "p2p/transport/certificate.h"
#include "p2p/transport/zero_copy.h"

namespace parthenon::rpc {
namespace {

namespace fs = std::filesystem;

nlohmann::json Call(Dispatcher& dispatcher, const std::string& method, nlohmann::json params) {
  auto response = dispatcher.HandleRequest(
      {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}});
  return response.value_or(nlohmann::json());
}

TEST(TlsMethodsTest, GetTlsInfoAndRegenerateCert) {
  const fs::path dir = fs::temp_directory_path() /
                       ("parthenon_tls_rpc_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto identity = p2p::transport::EnsureIdentity(dir);
  ASSERT_TRUE(identity) << identity.error().ToString();
  p2p::NetworkManager::Options options;
  options.port = 0;
  options.bind_addresses = {"127.0.0.1"};
  options.io_threads = 1;
  options.tls.mode = p2p::transport::TlsMode::kOptional;
  options.tls.cert_file = identity->cert_path;
  options.tls.key_file = identity->key_path;
  p2p::NetworkManager network(options);
  ASSERT_TRUE(network.Start());
  Dispatcher dispatcher;
  RegisterTlsMethods(dispatcher, network);

  auto info = Call(dispatcher, "gettlsinfo", nlohmann::json::array())["result"];
  EXPECT_EQ(info["mode"], "optional");
  const std::string before = info["certificate"]["fingerprint"];
  EXPECT_TRUE(before.starts_with("sha256:"));
  EXPECT_EQ(info["certificate"]["subject"], "CN=parthenon-node");
  EXPECT_FALSE(info["certificate"]["expired"].get<bool>());
  // Kernel TLS is reported as the probe found it, and never claimed in use (user-space records).
  EXPECT_EQ(info["kernel_tls"]["kernel"].get<bool>(), p2p::transport::ProbeZeroCopy().ktls);
  EXPECT_FALSE(info["kernel_tls"]["in_use"].get<bool>());

  auto regenerated = Call(dispatcher, "regeneratecert", {30})["result"];
  EXPECT_NE(regenerated["certificate"]["fingerprint"], before);
  EXPECT_TRUE(regenerated["certificate"]["expiring_soon"].get<bool>());
  EXPECT_EQ(regenerated["rotations"], 1);

  MetricsWriter metrics;
  WriteTlsMetrics(metrics, network.GetTlsStatus());
  EXPECT_NE(metrics.Take().find("parthenon_tls_certificate_expiring_soon 1"), std::string::npos);

  p2p::PeerInfo peer;
  EXPECT_EQ(TlsPeerJson(peer), nlohmann::json({{"encrypted", false}}));
  network.Stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace parthenon::rpc

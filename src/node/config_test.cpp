#include "node/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace parthenon::node {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parthenon-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ConfigOutcome Parse(std::vector<std::string> args) {
    std::vector<const char*> argv{"parthenon-node"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    return ParseNodeArguments(static_cast<int>(argv.size()), argv.data());
  }

  std::string WriteConf(const std::string& text, const std::string& name = "parthenon.conf") {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsFollowTheNetwork) {
  auto outcome = Parse({"--datadir=" + dir_.string(), "--chain=regtest"});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  const NodeConfig& c = *outcome.config;
  EXPECT_EQ(c.network, consensus::Network::kRegtest);
  EXPECT_EQ(c.datadir, dir_ / "regtest");
  EXPECT_EQ(c.port, 18444);
  EXPECT_EQ(c.rpc_port, 18443);
  EXPECT_EQ(c.rpc_bind, "127.0.0.1");
  EXPECT_EQ(c.max_connections, 125);
  EXPECT_EQ(c.max_outbound, 8);
  EXPECT_EQ(c.tls, TlsMode::kOptional);
  EXPECT_FALSE(c.conf_file.has_value());
}

TEST_F(ConfigTest, SectionedFileAndFlagsOverrideIt) {
  WriteConf("# comment\n[network]\nport=9000\naddnode=10.0.0.1:9000\naddnode=10.0.0.2\n"
            "[tls]\ncert_file=/etc/p/cert.pem\nmode=required\n"
            "[peers]\nban_duration=3600\nscore_threshold=30.5\n"
            "[performance]\nutxo_cache_size_mb=64\nworker_threads=2\n"
            "[rpc]\nport=9001\n");
  auto outcome = Parse({"--datadir=" + dir_.string(), "--port=9100"});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  const NodeConfig& c = *outcome.config;
  EXPECT_EQ(c.conf_file, dir_ / "parthenon.conf");  // found in the datadir
  EXPECT_EQ(c.port, 9100);                           // the flag wins
  EXPECT_EQ(c.rpc_port, 9001);
  EXPECT_EQ(c.addnode, (std::vector<std::string>{"10.0.0.1:9000", "10.0.0.2"}));
  EXPECT_EQ(c.tls, TlsMode::kRequired);
  EXPECT_EQ(c.tls_cert, std::filesystem::path("/etc/p/cert.pem"));
  EXPECT_EQ(c.ban_duration_seconds, 3600);
  EXPECT_DOUBLE_EQ(c.score_threshold, 30.5);
  EXPECT_EQ(c.utxo_cache_mb, 64);
  EXPECT_EQ(c.worker_threads, 2);
}

TEST_F(ConfigTest, FlatFlagNamesOutsideSections) {
  const std::string conf = WriteConf("rpcport=7000\nchain=testnet\n", "flat.conf");
  auto outcome = Parse({"--datadir=" + dir_.string(), "--conf=" + conf});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  EXPECT_EQ(outcome.config->rpc_port, 7000);
  EXPECT_EQ(outcome.config->network, consensus::Network::kTestnet);
}

TEST_F(ConfigTest, UnknownKeyNamesKeySectionAndLine) {
  WriteConf("[network]\nport=1\n[peers]\nscore_treshold=3\n");
  auto outcome = Parse({"--datadir=" + dir_.string()});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_NE(outcome.message.find("score_treshold"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("[peers]"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("line 4"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, BadValuesNameTheSetting) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port=70000"}, {"--tls=maybe"}, {"--chain=signet"}, {"--maxconnections=abc"},
           {"--score-threshold=101"}, {"--bogus=1"}}) {
    auto outcome = Parse(args);
    ASSERT_FALSE(outcome.config.has_value()) << args[0];
    const std::string flag = args[0].substr(2, args[0].find('=') - 2);
    EXPECT_NE(outcome.message.find(flag), std::string::npos) << outcome.message;
  }
  WriteConf("[network]\nmaxoutbound=lots\n");
  auto outcome = Parse({"--datadir=" + dir_.string()});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("maxoutbound"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, MissingExplicitConfigFileIsAnError) {
  auto outcome = Parse({"--conf=" + (dir_ / "absent.conf").string()});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("absent.conf"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, RpcUserNeedsPassword) {
  auto outcome = Parse({"--rpcuser=alice"});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("rpcpassword"), std::string::npos);
}

TEST_F(ConfigTest, HelpExitsZero) {
  auto outcome = Parse({"--help"});
  EXPECT_FALSE(outcome.config.has_value());
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_NE(outcome.message.find("--addnode"), std::string::npos);
}

}  // namespace
}  // namespace parthenon::node

#include "node/config.h"
#include "node/config_checks.h"

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
  const std::string cert = WriteConf("not checked here", "cert.pem");
  const std::string key = WriteConf("not checked here", "key.pem");
  WriteConf("# comment\n[network]\nport=9000\naddnode=10.0.0.1:9000\naddnode=10.0.0.2\n"
            "[tls]\ncert_file=" + cert + "\nkey_file=" + key + "\nmode=required\n"
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
  EXPECT_EQ(c.tls_cert, std::filesystem::path(cert));
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

// Every bad value is refused where it is parsed, and the message names the flag, the value and
// what is expected.
struct BadFlag {
  std::string arg;       // --flag=value
  std::string expected;  // a phrase the message must contain
};

TEST_F(ConfigTest, BadFlagValuesNameFlagValueAndExpectation) {
  const std::vector<BadFlag> cases = {
      {"--score-threshold=nan", "finite number from 0 to 100"},
      {"--score-threshold=inf", "finite number"},
      {"--score-threshold=-1", "finite number"},
      {"--score-threshold=25x", "finite number"},
      {"--ban-duration=-5", "whole number from 1 to"},
      {"--ban-duration=0", "whole number from 1 to"},
      {"--ban-duration=1e9", "whole number"},
      {"--port=-1", "whole number from 0 to 65535"},
      {"--port=65536", "whole number from 0 to 65535"},
      {"--rpcport=nan", "whole number from 0 to 65535"},
      {"--maxconnections=-3", "whole number from 0 to 10000"},
      {"--maxoutbound=1001", "whole number from 0 to 1000"},
      {"--utxo-cache-mb=0", "whole number from 4 to"},
      {"--utxo-cache-mb=3.5", "whole number"},
      {"--worker-threads=0", "whole number from 1 to 256"},
      {"--worker-threads=100000", "whole number from 1 to 256"},
      {"--listen=maybe", "one of 1, 0, true, false"},
      {"--mine=2", "one of 1, 0, true, false"},
      {"--bind=999.1.1.1", "IPv4 or IPv6 address"},
      {"--bind=localhost", "IPv4 or IPv6 address"},
      {"--rpcbind=0.0.0.0.0", "IPv4 or IPv6 address"},
      {"--whitelist=notanip", "IP address or a subnet"},
      {"--whitelist=10.0.0.0/33", "IP address or a subnet"},
      {"--addnode=:::::", "host[:port]"},
      {"--addnode=127.0.0.1:0", "host[:port]"},
      {"--addnode=127.0.0.1:99999", "host[:port]"},
      {"--addnode=bad_host!", "host[:port]"},
      {"--connect=a:b:c", "host[:port]"},
      {"--connect=[::1", "host[:port]"},
      {"--dnsseed=-", "0 (no DNS seeding), 1"},
      {"--dnsseed=seed..example", "DNS host name"},
      {"--chain=signet", "one of main, mainnet, testnet, regtest"},
      {"--tls=maybe", "one of off, optional, required"},
      {"--loglevel=verbose", "one of trace, debug"},
      {"--tls-cert=/nonexistent/cert.pem", "existing file"},
      {"--tls-key=/nonexistent/key.pem", "existing file"},
      {"--tls-ca=/nonexistent/ca.pem", "existing file"},
      {"--geoip-db=/nonexistent/GeoLite2.mmdb", "existing file"},
      {"--tls-pin=abcd", "64 hex digits"},
      {"--rpcuser=a:b", "without ':'"},
  };
  for (const BadFlag& bad : cases) {
    auto outcome = Parse({"--datadir=" + dir_.string(), bad.arg});
    ASSERT_FALSE(outcome.config.has_value()) << bad.arg;
    EXPECT_EQ(outcome.exit_code, 1) << bad.arg;
    const std::string flag = bad.arg.substr(0, bad.arg.find('='));
    const std::string value = bad.arg.substr(bad.arg.find('=') + 1);
    EXPECT_NE(outcome.message.find(flag), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find("'" + value + "'"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find(bad.expected), std::string::npos) << outcome.message;
  }
}

TEST_F(ConfigTest, GoodAddressesAndNamesAreAccepted) {
  auto outcome = Parse({"--datadir=" + dir_.string(), "--bind=127.0.0.1", "--bind=::1", "--rpcbind=::1",
                        "--whitelist=10.0.0.0/8", "--whitelist=::1", "--whitelist=192.168.1.7",
                        "--addnode=127.0.0.1", "--addnode=[::1]:18444", "--addnode=::1",
                        "--addnode=localhost:9000", "--addnode=node-1.example.org",
                        "--dnsseed=seed.example.org", "--score-threshold=12.5"});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  EXPECT_EQ(outcome.config->whitelist.size(), 3u);
  EXPECT_EQ(outcome.config->addnode.size(), 5u);
  EXPECT_EQ(outcome.config->dns_seeds, std::vector<std::string>{"seed.example.org"});
}

TEST_F(ConfigTest, BadFileValuesNameKeyLineValueAndExpectation) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[peers]\nscore_threshold=nan\n", "line 2: [peers] score_threshold: 'nan' is not valid: expected a finite"},
      {"[peers]\nban_duration=-1\n", "line 2: [peers] ban_duration: '-1'"},
      {"\n[network]\nbind=999.1.1.1\n", "line 3: [network] bind: '999.1.1.1'"},
      {"[network]\nwhitelist=notanip\n", "[network] whitelist: 'notanip'"},
      {"[network]\naddnode=:::::\n", "[network] addnode: ':::::'"},
      {"[network]\ndnsseed=a..b\n", "[network] dnsseed: 'a..b'"},
      {"[network]\nmaxconnections=lots\n", "[network] maxconnections: 'lots'"},
      {"[performance]\nworker_threads=0\n", "[performance] worker_threads: '0'"},
      {"[performance]\nutxo_cache_size_mb=inf\n", "[performance] utxo_cache_size_mb: 'inf'"},
      {"[tls]\nmode=sometimes\n", "[tls] mode: 'sometimes'"},
      {"[tls]\nca_file=/nonexistent/ca.pem\n", "[tls] ca_file: '/nonexistent/ca.pem'"},
      {"[log]\nlevel=loud\n", "[log] level: 'loud'"},
      {"chain=signet\n", "line 1: chain: 'signet'"},
      {"rpcport=70000\n", "line 1: rpcport: '70000'"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string conf = WriteConf(text, "bad.conf");
    auto outcome = Parse({"--datadir=" + dir_.string(), "--conf=" + conf});
    ASSERT_FALSE(outcome.config.has_value()) << text;
    EXPECT_EQ(outcome.exit_code, 1) << text;
    EXPECT_NE(outcome.message.find(expected), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find(conf), std::string::npos) << outcome.message;
  }
}

TEST_F(ConfigTest, MiningAddressMustBelongToTheNetwork) {
  // A valid regtest address is not an address of main.
  const std::string regtest_address = "rprt1p" + std::string(58, 'q');
  auto outcome = Parse({"--datadir=" + dir_.string(), "--miningaddress=notanaddress"});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("--miningaddress: 'notanaddress' is not valid: expected a bech32m address of main"),
            std::string::npos)
      << outcome.message;
  outcome = Parse({"--datadir=" + dir_.string(), "--mine=1"});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("--mine=1 needs --miningaddress"), std::string::npos) << outcome.message;
  const std::string conf = WriteConf("chain=regtest\n[mining]\nmine=1\naddress=prt1pbad\n", "mine.conf");
  outcome = Parse({"--datadir=" + dir_.string(), "--conf=" + conf});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("config file line 4: [mining] address: 'prt1pbad'"), std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("regtest"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, DnsSeedZeroDisablesSeedingOneMeansTheNetworksSeeds) {
  auto outcome = Parse({"--datadir=" + dir_.string(), "--dnsseed=0"});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  EXPECT_TRUE(outcome.config->dns_seeds.empty());  // "0" is not a host name
  WriteConf("[network]\ndnsseed=0\n");
  outcome = Parse({"--datadir=" + dir_.string()});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  EXPECT_TRUE(outcome.config->dns_seeds.empty());
  std::filesystem::remove(dir_ / "parthenon.conf");
  outcome = Parse({"--datadir=" + dir_.string(), "--dnsseed=1", "--dnsseed=seed.example.org"});
  ASSERT_TRUE(outcome.config.has_value()) << outcome.message;
  EXPECT_EQ(outcome.config->dns_seeds, std::vector<std::string>{"seed.example.org"});  // no built-in seeds yet
  outcome = Parse({"--datadir=" + dir_.string(), "--dnsseed=0", "--dnsseed=seed.example.org"});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("--dnsseed: 0 turns DNS seeding off"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, CrossChecksNameBothSettings) {
  auto outcome = Parse({"--datadir=" + dir_.string(), "--maxconnections=4", "--maxoutbound=8"});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("--maxoutbound (8) exceeds --maxconnections (4)"), std::string::npos)
      << outcome.message;
  const std::string cert = WriteConf("x", "cert.pem");
  outcome = Parse({"--datadir=" + dir_.string(), "--tls-cert=" + cert});
  ASSERT_FALSE(outcome.config.has_value());
  EXPECT_NE(outcome.message.find("--tls-cert and --tls-key go together"), std::string::npos) << outcome.message;
}

TEST_F(ConfigTest, BadConfigurationWritesNothing) {
  const auto datadir = dir_ / "never-created";
  for (const std::string arg : {"--score-threshold=nan", "--bind=999.1.1.1", "--dnsseed=-x"}) {
    auto outcome = Parse({"--datadir=" + datadir.string(), "--chain=regtest", arg});
    ASSERT_FALSE(outcome.config.has_value()) << arg;
  }
  EXPECT_FALSE(std::filesystem::exists(datadir));
}

TEST(DnsNameTest, AcceptsHostNamesOnly) {
  EXPECT_TRUE(IsDnsName("localhost"));
  EXPECT_TRUE(IsDnsName("seed.example.org"));
  EXPECT_TRUE(IsDnsName("seed.example.org."));
  EXPECT_TRUE(IsDnsName("a-1.b2"));
  EXPECT_FALSE(IsDnsName(""));
  EXPECT_FALSE(IsDnsName("0"));
  EXPECT_FALSE(IsDnsName("999.1.1.1"));
  EXPECT_FALSE(IsDnsName("-a.example"));
  EXPECT_FALSE(IsDnsName("a..b"));
  EXPECT_FALSE(IsDnsName("a_b.example"));
  EXPECT_FALSE(IsDnsName(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(IsDnsName(":::::"));
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

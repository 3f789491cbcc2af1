#include "rpc/client_reports.h"

#include <gtest/gtest.h>

namespace parthenon::rpc {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000;

json Peers() {
  return json::parse(R"([
    {"id": 1, "addr": "127.0.0.1:18444", "host": "127.0.0.1", "port": 18444, "inbound": false,
     "direction": "outbound", "version": 70016, "subver": "/parthenon:0.1.0/", "conntime": 1799999400,
     "pingtime": 0.000412, "minping": 0.000250, "encrypted": true, "lastsend": 1799999998, "lastrecv": 1799999995},
    {"id": 2, "addr": "[2001:db8::1]:50000", "host": "2001:db8::1", "port": 50000, "inbound": true,
     "direction": "inbound", "version": 70016, "subver": "/other:1.0/", "conntime": 1799999940,
     "pingtime": 0.0123, "minping": 0.0101, "encrypted": false},
    {"id": 3, "addr": "10.1.2.3:8333", "host": "10.1.2.3", "port": 8333, "inbound": true,
     "direction": "inbound", "version": 70015, "subver": "", "conntime": 1799999999, "encrypted": false}
  ])");
}

NetInfoInput Input() {
  return {.info = {{"version", "0.1.0"}, {"chain", "regtest"}},
          .networkinfo = {{"protocolversion", 70016}, {"localports", {18444}}},
          .peerinfo = Peers(),
          .scores = {{.result = {{"score", 12.5}, {"country", "DE"}}, .error = {}},
                     {.result = nullptr, .error = "unknown peer"},
                     {.result = {{"score", -3.0}, {"country", ""}}, .error = {}}},
          .now = kNow};
}

// The counts part of every level, for Input().
const std::string kCounts =
    "         ipv4    ipv6   total     tls\n"
    "in          1       1       2       0\n"
    "out         1       0       1       1\n"
    "total       2       1       3       1\n"
    "\n"
    "Listening ports: 18444\n";

TEST(ClientReports, NetInfoLevelZeroCountsByDirectionAndNetwork) {
  EXPECT_EQ(FormatNetInfo(Input(), 0),
            "Parthenon client - server 70016/0.1.0 - chain regtest\n"
            "\n" +
                kCounts);
}

TEST(ClientReports, NetInfoPeerTableSortsInboundFirstByMinPing) {
  EXPECT_EQ(FormatNetInfo(Input(), 1),
            "Parthenon client - server 70016/0.1.0 - chain regtest\n"
            "\n"
            "<->   net   mping    ping  send  recv tls  score cc   age   id\n"
            "in   ipv6    10.1    12.3              no        --     1    2\n"
            "in   ipv4                              no   -3.0 --     0    3\n"
            "out  ipv4    0.25    0.41     2     5 yes   12.5 DE    10    1\n"
            "               ms      ms   sec   sec                 min\n"
            "\n" +
                kCounts);
}

TEST(ClientReports, NetInfoHigherLevelsAddAddressesAndVersions) {
  const std::string level2 = FormatNetInfo(Input(), 2);
  EXPECT_NE(level2.find("  address\n"), std::string::npos) << level2;
  EXPECT_NE(level2.find("  [2001:db8::1]:50000\n"), std::string::npos) << level2;
  EXPECT_EQ(level2.find("70015"), std::string::npos) << level2;
  const std::string level3 = FormatNetInfo(Input(), 3);
  EXPECT_EQ(level3.find("[2001:db8::1]"), std::string::npos) << level3;
  EXPECT_NE(level3.find("  70016/parthenon:0.1.0/\n"), std::string::npos) << level3;
  const std::string level4 = FormatNetInfo(Input(), 4);
  EXPECT_NE(level4.find("  127.0.0.1:18444      70016/parthenon:0.1.0/\n"), std::string::npos) << level4;
  EXPECT_NE(level4.find("  address              version\n"), std::string::npos) << level4;
}

TEST(ClientReports, NetInfoWithoutPeersOrPorts) {
  NetInfoInput input{.info = {{"version", "0.1.0"}, {"chain", "main"}},
                     .networkinfo = {{"protocolversion", 70016}, {"localports", json::array()}},
                     .peerinfo = json::array(),
                     .scores = {},
                     .now = kNow};
  const std::string text = FormatNetInfo(input, 4);
  EXPECT_NE(text.find("total       0       0       0       0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Listening ports: n/a (not listening)\n"), std::string::npos) << text;
}

TEST(ClientReports, NetworkOfHost) {
  EXPECT_EQ(NetworkOf("1.2.3.4"), "ipv4");
  EXPECT_EQ(NetworkOf("2001:db8::1"), "ipv6");
  EXPECT_EQ(NetworkOf("[2001:db8::1]"), "ipv6");
  EXPECT_EQ(NetworkOf("fc00::1"), "cjdns");
  EXPECT_EQ(NetworkOf("abcdef.onion"), "onion");
  EXPECT_EQ(NetworkOf("abc.b32.i2p"), "i2p");
}

TEST(ClientReports, OnionColumnAppearsOnlyWithOnionPeers) {
  NetInfoInput input = Input();
  input.peerinfo.push_back({{"id", 9}, {"host", "xyz.onion"}, {"direction", "outbound"}, {"inbound", false}});
  const std::string text = FormatNetInfo(input, 0);
  EXPECT_NE(text.find("         ipv4    ipv6   onion   total     tls\n"), std::string::npos) << text;
  EXPECT_NE(text.find("out         1       0       1       2       1\n"), std::string::npos) << text;
}

TEST(ClientReports, GetInfo) {
  const std::vector<ReportAnswer> answers = {
      {.result = {{"version", "0.1.0"}, {"protocolversion", 70016}, {"chain", "regtest"}, {"p2p_port", 18444},
                  {"mempool_size", 2}, {"uptime", 61}},
       .error = {}},
      {.result = {{"chain", "regtest"}, {"blocks", 101}, {"headers", 101}, {"verificationprogress", 1.0},
                  {"difficulty", 4.656542373906925e-10}},
       .error = {}},
      {.result = {{"protocolversion", 70016}, {"connections_in", 1}, {"connections_out", 2}}, .error = {}},
      {.result = {{"syncing", false}, {"target", 101}, {"blocks_per_second", 0.0}}, .error = {}},
      {.result = 50.0, .error = {}}};
  EXPECT_EQ(FormatGetInfo(answers),
            "Chain: regtest\n"
            "Blocks: 101\n"
            "Headers: 101\n"
            "Verification progress: 100.0000%\n"
            "Difficulty: 4.656542373906925e-10\n"
            "Sync: idle, target height 101, 0.0 blocks/s\n"
            "\n"
            "Network: in 1, out 2, total 3\n"
            "Version: 0.1.0 (protocol 70016)\n"
            "P2P port: 18444\n"
            "Mempool: 2 transactions\n"
            "Uptime: 61 s\n"
            "\n"
            "Balance: 50.00000000\n");
}

TEST(ClientReports, GetInfoWithoutWalletLeavesBalanceOut) {
  std::vector<ReportAnswer> answers(GetInfoCalls().size(), ReportAnswer{.result = json::object(), .error = {}});
  answers[4] = {.result = nullptr, .error = "Method not found"};
  const std::string text = FormatGetInfo(answers);
  EXPECT_EQ(text.find("Balance"), std::string::npos) << text;
  EXPECT_NE(text.find("Network: in 0, out 0, total 0\n"), std::string::npos) << text;
}

TEST(ClientReports, BatchAnswersInCallOrder) {
  const std::vector<ReportCall> calls = {{.method = "a"}, {.method = "b", .optional = true}};
  const json request = BuildReportRequest(calls);
  ASSERT_EQ(request.size(), 2u);
  EXPECT_EQ(request[1]["method"], "b");
  EXPECT_EQ(request[1]["id"], 1);
  auto answers = ParseReportAnswers(
      R"([{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}},
          {"jsonrpc":"2.0","id":0,"result":7}])",
      calls);
  ASSERT_TRUE(answers.has_value()) << answers.error();
  EXPECT_EQ((*answers)[0].result, 7);
  EXPECT_EQ((*answers)[1].error, "Method not found");
  // A failed required call is an error naming the method.
  auto failed = ParseReportAnswers(R"([{"id":0,"error":{"code":-1,"message":"boom"}}])", calls);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error(), "a: boom");
  EXPECT_FALSE(ParseReportAnswers(R"({"result":1})", calls).has_value());
}

}  // namespace
}  // namespace parthenon::rpc

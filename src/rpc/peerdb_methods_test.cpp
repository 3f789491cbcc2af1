#include "rpc/peerdb_methods.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "p2p/network_manager.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/peerdb/peer_db_policy.h"
#include "rpc/dispatcher.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

class PeerDbMethodsTest : public ::testing::Test {
 protected:
  PeerDbMethodsTest()
      : db_(Options()),
        store_(db_),
        policy_({.store = &store_}),
        net_(p2p::NetworkManager::Options{.listen = false, .policy = &policy_}) {
    RegisterPeerDbMethods(dispatcher_, db_, net_);
  }
  p2p::PeerDatabase::Options Options() {
    p2p::PeerDatabase::Options options;
    options.clock = &clock_;
    return options;
  }
  json Call(const std::string& method, json params = json::array()) {
    return *dispatcher_.HandleRequest(
        {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}});
  }
  static p2p::wire::NetAddress Ip(const char* text, uint16_t port = 8333) {
    return *p2p::wire::NetAddress::Parse(text, port);
  }

  util::ManualClock clock_;
  p2p::PeerDatabase db_;
  p2p::PeerDbStore store_;
  p2p::PeerPolicy policy_;
  p2p::NetworkManager net_;
  Dispatcher dispatcher_;
};

TEST_F(PeerDbMethodsTest, InfoAndScore) {
  db_.RecordSuccessfulConnection(Ip("10.0.0.1"));
  db_.SetPeerGeolocation(Ip("10.0.0.1"), "DE", "AS1", 0, 0, "");
  db_.RecordInvalidMessage(Ip("10.0.0.2"));
  auto info = Call("getpeerdbinfo")["result"];
  EXPECT_EQ(info["peers"], 2);
  EXPECT_EQ(info["good_peers"], 2);
  EXPECT_DOUBLE_EQ(info["average_score"].get<double>(), 50.0);
  EXPECT_EQ(info["countries"]["DE"], 1);
  auto score = Call("getpeerscore", {"10.0.0.1:8333"})["result"];
  EXPECT_DOUBLE_EQ(score["score"].get<double>(), 55.0);
  EXPECT_EQ(score["successes"], 1);
  // The parts add up to the score: initial 50 + one successful connection (+5).
  double sum = 0;
  for (const auto& part : score["score_parts"]) sum += part["contribution"].get<double>();
  EXPECT_DOUBLE_EQ(sum, 55.0);
  EXPECT_EQ(score["score_parts"][1]["name"], "time_connected");
  EXPECT_EQ(score["score_parts"][2]["name"], "successful_connections");
  EXPECT_EQ(score["score_parts"][2]["gossipsub"], "P1");
  EXPECT_EQ(score["score_parts"][2]["count"], 1);
  EXPECT_DOUBLE_EQ(score["score_parts"][2]["contribution"].get<double>(), 5.0);
  EXPECT_EQ(score["table"], "tried");
  EXPECT_EQ(Call("getpeerscore", {"10.0.0.2"})["result"][0]["invalid_messages"], 1);
  auto unknown = Call("getpeerscore", {"10.0.0.3:1"});
  EXPECT_EQ(unknown["error"]["code"], -5);
  EXPECT_EQ(Call("getpeerscore", {"nonsense"})["error"]["code"], -5);
}

TEST_F(PeerDbMethodsTest, SetBanListAndClear) {
  EXPECT_TRUE(Call("setban", {"10.1.0.0/16", "add", 3600})["error"].is_null());
  EXPECT_TRUE(Call("setban", {"10.2.0.1", "add"})["error"].is_null());
  EXPECT_TRUE(db_.IsBanned(Ip("10.1.9.9")));
  auto list = Call("listbanned")["result"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["address"], "10.1.0.0/16");
  EXPECT_EQ(list[0]["banned_until"], clock_.UnixSeconds() + 3600);
  EXPECT_EQ(list[1]["banned_until"], clock_.UnixSeconds() + 86400);
  auto bad = Call("setban", {"10.1.0.0/99", "add"});
  EXPECT_EQ(bad["error"]["code"], -30);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("10.1.0.0/99"), std::string::npos);
  EXPECT_EQ(Call("setban", {"10.1.0.0/16", "frobnicate"})["error"]["code"], -8);
  EXPECT_TRUE(Call("setban", {"10.1.0.0/16", "remove"})["error"].is_null());
  EXPECT_EQ(Call("setban", {"10.1.0.0/16", "remove"})["error"]["code"], -30);
  EXPECT_TRUE(Call("clearbanned")["error"].is_null());
  EXPECT_TRUE(Call("listbanned")["result"].empty());
  // Expiry.
  Call("setban", {"10.3.0.1", "add", clock_.UnixSeconds() + 10, true});
  EXPECT_EQ(Call("listbanned")["result"].size(), 1u);
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_TRUE(Call("listbanned")["result"].empty());
}

TEST_F(PeerDbMethodsTest, DumpAndLoadPeers) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("peers-rpc-" + std::to_string(::getpid()) + ".tsv");
  db_.RecordBlockReceived(Ip("10.0.0.1"));
  auto dumped = Call("dumppeers", {path.string()})["result"];
  EXPECT_EQ(dumped["peers"], 1);
  db_.Close();
  auto loaded = Call("loadpeers", {path.string()})["result"];
  EXPECT_EQ(loaded["peers"], 1);
  EXPECT_EQ(db_.GetPeer(Ip("10.0.0.1"))->blocks, 1u);
  std::filesystem::remove(path);
  auto missing = Call("loadpeers", {path.string()});
  EXPECT_EQ(missing["error"]["code"], -1);
  EXPECT_NE(missing["error"]["message"].get<std::string>().find(path.string()), std::string::npos);
}

}  // namespace
}  // namespace parthenon::rpc

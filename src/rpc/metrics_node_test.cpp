#include "rpc/metrics_node.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

namespace parthenon::rpc {
namespace {

NodeMetricsSnapshot Snapshot() {
  NodeMetricsSnapshot s;
  s.version = "0.1.0";
  s.chain = "regtest";
  p2p::PeerInfo peer;
  peer.id = 7;
  peer.direction = p2p::Direction::kOutbound;
  peer.state = p2p::PeerState::kConnected;
  peer.encrypted = true;
  peer.ping = std::chrono::microseconds(1500);
  peer.sent_per_command["ping"] = {.messages = 2, .bytes = 64};
  peer.received_per_command["block"] = {.messages = 1, .bytes = 1000};
  s.peers = {peer};
  s.height = 5;
  s.headers_height = 6;
  s.sync.blocks_received = 4;
  s.peerdb.banned = 2;
  s.network.accepted = 3;
  s.with_process = false;
  return s;
}

TEST(NodeMetrics, SamplesOfThePrincipalFamilies) {
  const std::string text = NodeMetricsText(Snapshot());
  for (const char* line : {"parthenon_build_info{version=\"0.1.0\",chain=\"regtest\"} 1\n",
                           "parthenon_peers{direction=\"outbound\",state=\"connected\"} 1\n",
                           "parthenon_tls_peers{direction=\"outbound\"} 1\n",
                           "parthenon_tls_peers{direction=\"inbound\"} 0\n",
                           "parthenon_p2p_bytes_total{direction=\"received\",command=\"block\"} 1000\n",
                           "parthenon_p2p_messages_total{direction=\"sent\",command=\"ping\"} 2\n",
                           "parthenon_peer_ping_seconds{peer=\"7\",addr=",
                           "parthenon_chain_height 5\n", "parthenon_headers_height 6\n",
                           "parthenon_sync_blocks_received_total 4\n", "parthenon_peerdb_bans 2\n",
                           "parthenon_inbound_connections_accepted_total 3\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " missing from\n" << text;
  }
}

// The Prometheus naming rules promtool checks, applied to every family: HELP and TYPE before
// the samples, counters (and only counters) end in _total, no unit other than base units.
TEST(NodeMetrics, EveryFamilyFollowsTheNamingConventions) {
  std::istringstream in(NodeMetricsText(Snapshot()));
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string hash, kind, name, type;
    if (line.starts_with("# HELP ")) {
      words >> hash >> kind >> name;
      helped.insert(name);
    } else if (line.starts_with("# TYPE ")) {
      words >> hash >> kind >> name >> type;
      EXPECT_TRUE(helped.contains(name)) << name << " has no HELP";
      types[name] = type;
      EXPECT_EQ(type == "counter", name.ends_with("_total")) << name << " is a " << type;
      for (const char* bad : {"_ms", "_milliseconds", "_kb", "_kib", "_mb", "_bytes_per", "_count"}) {
        EXPECT_EQ(name.find(bad), std::string::npos) << name << " is not in base units";
      }
    } else {
      name = line.substr(0, line.find_first_of("{ "));
      EXPECT_TRUE(types.contains(name)) << "sample before its TYPE: " << line;
    }
  }
  EXPECT_GE(types.size(), 25u);
}

}  // namespace
}  // namespace parthenon::rpc

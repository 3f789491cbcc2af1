// The node's own RPC methods (getinfo, stop), its REST routes and its /metrics text.
#include <map>

#include "consensus/params.h"
#include "node/node.h"
#include "rpc/encode.h"
#include "rpc/metrics.h"
#include "rpc/net_methods.h"
#include "rpc/tls_methods.h"
#include "rpc/params.h"
#include "util/result.h"

namespace parthenon::node {
namespace {

using nlohmann::json;

constexpr const char* kVersion = "0.1.0";

std::string RestBody(json data) { return json{{"success", true}, {"data", std::move(data)}}.dump(); }

}  // namespace

json Node::Info() const {
  const chain::ChainTip tip = chainstate_->Tip();
  const auto stats = network_->GetStats();
  const auto mempool = chainstate_->GetMempoolInfo();
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at_);
  return json{{"version", kVersion},
              {"protocolversion", p2p::wire::kProtocolVersion},
              {"chain", std::string(chainstate_->params().name)},
              {"blocks", tip.height},
              {"headers", chainstate_->HeaderTip().height},
              {"bestblockhash", tip.hash.ToHex()},
              {"connections", stats.inbound + stats.outbound},
              {"connections_in", stats.inbound},
              {"connections_out", stats.outbound},
              {"mempool_size", mempool.count},
              {"p2p_port", p2p_port()},
              {"uptime", uptime.count()}};
}

void Node::RegisterNodeMethods() {
  dispatcher_.Register({"getinfo", "", "Summary of the node: version, chain, height, connections, mempool.",
                        [this](const json& params) -> rpc::Result<json> {
                          PARTHENON_TRY(rpc::Params(params, {}).CheckShape());
                          return Info();
                        }});
  dispatcher_.Register({"getsyncstatus", "", "Sync progress: heights (ours, headers, target), %, blocks/s, ETA, sync peer.",
                        [this](const json& params) -> rpc::Result<json> {
                          PARTHENON_TRY(rpc::Params(params, {}).CheckShape());
                          const p2p::SyncStatus status = GetSyncStatus();
                          json out{{"syncing", status.syncing},
                                   {"height", status.height},
                                   {"headers", status.headers_height},
                                   {"target", status.target_height},
                                   {"progress", status.progress},
                                   {"blocks_per_second", status.blocks_per_second},
                                   {"blocks_in_flight", status.blocks_in_flight},
                                   {"peers", status.peers},
                                   {"blocks_received", status.blocks_received},
                                   {"duplicate_blocks", status.duplicate_blocks},
                                   {"headers_received", status.headers_received},
                                   {"transactions_received", status.transactions_received},
                                   {"misbehavior_reports", status.misbehavior_reports}};
                          out["eta_seconds"] = status.eta ? json(status.eta->count()) : json(nullptr);
                          out["sync_peer"] = status.sync_peer ? json(*status.sync_peer) : json(nullptr);
                          return out;
                        }});
  dispatcher_.Register({"stop", "", "Stops the node cleanly.",
                        [this](const json& params) -> rpc::Result<json> {
                          PARTHENON_TRY(rpc::Params(params, {}).CheckShape());
                          RequestStop();
                          return "Parthenon node stopping";
                        }});
}

void Node::AddRestRoutes() {
  http_->AddGet("/api/v1/node/info", [this] { return rpc::HttpResponse{.body = RestBody(Info())}; });
  http_->AddGet("/api/v1/node/peers", [this] {
    json peers = json::array();
    for (const auto& peer : network_->GetPeers()) peers.push_back(rpc::PeerToJson(peer));
    return rpc::HttpResponse{.body = RestBody(std::move(peers))};
  });
  http_->AddGet("/metrics", [this] {
    return rpc::HttpResponse{.status = 200, .content_type = std::string(rpc::kMetricsContentType), .body = Metrics()};
  });
}

std::string Node::Metrics() const {
  rpc::MetricsWriter out;
  const auto peers = network_->GetPeers();
  std::map<std::pair<std::string, std::string>, int> by_direction_state;
  std::map<std::pair<std::string, std::string>, p2p::CommandStats> traffic;  // (direction, command)
  for (const auto& peer : peers) {
    ++by_direction_state[{std::string(p2p::ToString(peer.direction)), std::string(p2p::ToString(peer.state))}];
    for (const auto& [command, stats] : peer.sent_per_command) {
      traffic[{"sent", command}].messages += stats.messages;
      traffic[{"sent", command}].bytes += stats.bytes;
    }
    for (const auto& [command, stats] : peer.received_per_command) {
      traffic[{"received", command}].messages += stats.messages;
      traffic[{"received", command}].bytes += stats.bytes;
    }
  }
  out.Family("parthenon_peers", "gauge", "Peers by direction and connection state.");
  for (const auto& [key, count] : by_direction_state) {
    out.Sample("parthenon_peers", count, {{"direction", key.first}, {"state", key.second}});
  }
  out.Family("parthenon_p2p_messages_total", "counter", "P2P messages of connected peers by direction and command.");
  for (const auto& [key, stats] : traffic) {
    out.Sample("parthenon_p2p_messages_total", static_cast<double>(stats.messages),
               {{"direction", key.first}, {"command", key.second}});
  }
  out.Family("parthenon_p2p_bytes_total", "counter", "P2P bytes (with frame headers) of connected peers by direction and command.");
  for (const auto& [key, stats] : traffic) {
    out.Sample("parthenon_p2p_bytes_total", static_cast<double>(stats.bytes),
               {{"direction", key.first}, {"command", key.second}});
  }
  out.Family("parthenon_peer_ping_seconds", "gauge", "Last ping round trip per peer.");
  for (const auto& peer : peers) {
    if (peer.ping) {
      out.Sample("parthenon_peer_ping_seconds", static_cast<double>(peer.ping->count()) / 1e6,
                 {{"peer", std::to_string(peer.id)}, {"addr", peer.address.ToString()}});
    }
  }
  out.Family("parthenon_chain_height", "gauge", "Height of the best chain.");
  out.Sample("parthenon_chain_height", chainstate_->Tip().height);
  out.Family("parthenon_headers_height", "gauge", "Height of the best known header.");
  out.Sample("parthenon_headers_height", chainstate_->HeaderTip().height);
  const p2p::SyncStatus sync = GetSyncStatus();
  out.Family("parthenon_sync_target_height", "gauge", "Best height announced by peers or headers.");
  out.Sample("parthenon_sync_target_height", sync.target_height);
  out.Family("parthenon_sync_progress_ratio", "gauge", "Blocks connected / target height.");
  out.Sample("parthenon_sync_progress_ratio", sync.progress);
  out.Family("parthenon_sync_blocks_per_second", "gauge", "Recent block connect rate.");
  out.Sample("parthenon_sync_blocks_per_second", sync.blocks_per_second);
  out.Family("parthenon_block_read_corrupt_total", "counter", "Block reads that found the stored data damaged.");
  out.Sample("parthenon_block_read_corrupt_total", static_cast<double>(chainstate_->CorruptBlockReads()));
  out.Family("parthenon_blocks_refetch_pending", "gauge", "Blocks marked corrupt, waiting to be fetched again.");
  out.Sample("parthenon_blocks_refetch_pending", static_cast<double>(chainstate_->BlocksToRefetch().size()));
  out.Family("parthenon_storage_writes_stopped", "gauge",
             "1 when a storage failure (e.g. a full disk) stopped writes.");
  out.Sample("parthenon_storage_writes_stopped", chainstate_->StorageFault() ? 1 : 0);
  rpc::WriteTlsMetrics(out, network_->GetTlsStatus());
  out.Family("parthenon_mempool_transactions", "gauge", "Transactions in the mempool.");
  out.Sample("parthenon_mempool_transactions", static_cast<double>(chainstate_->GetMempoolInfo().count));
  return out.Take();
}

}  // namespace parthenon::node

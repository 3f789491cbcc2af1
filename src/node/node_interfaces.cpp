// The node's own RPC methods (getinfo, stop), its REST routes and its /metrics text.
#include <map>

#include "consensus/params.h"
#include "node/node.h"
#include "rpc/encode.h"
#include "rpc/metrics.h"
#include "rpc/metrics_node.h"
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
  const auto mempool = chainstate_->GetMempoolInfo();
  return rpc::NodeMetricsText({.version = kVersion,
                               .chain = std::string(chainstate_->params().name),
                               .peers = network_->GetPeers(),
                               .network = network_->GetStats(),
                               .height = chainstate_->Tip().height,
                               .headers_height = chainstate_->HeaderTip().height,
                               .sync = GetSyncStatus(),
                               .tls = network_->GetTlsStatus(),
                               .peerdb = peer_db_->GetStats(),
                               .mempool_transactions = mempool.count,
                               .mempool_vbytes = mempool.vbytes,
                               .block_read_corrupt = chainstate_->CorruptBlockReads(),
                               .blocks_refetch_pending = chainstate_->BlocksToRefetch().size(),
                               .storage_writes_stopped = chainstate_->StorageFault().has_value(),
                               .script_cache = chainstate_->ScriptCacheStats()});
}

}  // namespace parthenon::node

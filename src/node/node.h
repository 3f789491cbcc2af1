// Node: the composition root (DESIGN.md §2). It owns the chainstate, the wallet, the network
// manager and the RPC server, wires them together, and holds the data directory's lock.
//
// Start-up order: lock the data directory → logging → chainstate (recovers a consistent tip) →
// wallet → peer database and discovery → TLS identity → network with relay/sync → RPC (writes the cookie) → miner. Stop() runs
// it backwards.
//
// Thread-safety: Start/Stop/Wait from one thread (the daemon's main thread); RequestStop() from
// any thread (RPC `stop`, signal thread). The accessors return components that are thread-safe.
#pragma once

#include <atomic>
#include <expected>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "chain/chainstate.h"
#include "node/config.h"
#include "p2p/handlers/chain_sync.h"
#include "p2p/peerdb/discovery.h"
#include "p2p/peerdb/asmap.h"
#include "p2p/peerdb/geoip.h"
#include "p2p/peerdb/local_discovery.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/peerdb/peer_db_policy.h"
#include "p2p/network_manager.h"
#include <nlohmann/json.hpp>

#include "rpc/dispatcher.h"
#include "rpc/http_server.h"
#include "util/mutex.h"
#include "wallet/wallet.h"

namespace parthenon::node {

class Node {
 public:
  // Starts every component; the error says what failed and what to do.
  [[nodiscard]] static std::expected<std::unique_ptr<Node>, std::string> Start(const NodeConfig& config);
  ~Node();  // Stop()s
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Stops the miner, RPC, network, wallet and chainstate (flushing it), then releases the lock.
  void Stop();
  // Asks the daemon to stop: Wait() returns. Thread-safe, async-signal-unsafe.
  void RequestStop() EXCLUDES(stop_mutex_);
  // Blocks until RequestStop().
  void Wait() EXCLUDES(stop_mutex_);

  // The seed documents' API.
  [[nodiscard]] p2p::NetResult<void> AddPeer(const std::string& host, uint16_t port);
  std::vector<p2p::PeerInfo> GetPeers() const;
  p2p::SyncStatus GetSyncStatus() const;
  [[nodiscard]] chain::Result<chain::BlockOutcome> ProcessBlock(const primitives::Block& block);
  [[nodiscard]] chain::Result<chain::TxOutcome> SubmitTransaction(const primitives::Transaction& tx);

  chain::Chainstate& chainstate() { return *chainstate_; }
  p2p::NetworkManager& network() { return *network_; }
  p2p::PeerDatabase& peer_database() { return *peer_db_; }
  wallet::Wallet& wallet() { return *wallet_; }
  const NodeConfig& config() const { return config_; }
  uint16_t rpc_port() const { return rpc_port_; }
  uint16_t p2p_port() const;

 private:
  explicit Node(NodeConfig config) : config_(std::move(config)) {}
  [[nodiscard]] std::expected<void, std::string> StartComponents();
  [[nodiscard]] std::expected<void, std::string> StartNetwork();
  [[nodiscard]] std::expected<void, std::string> OpenPeerDatabase(p2p::NetworkManager::Options& options);
  void ObservePeers();
  void StartLocalDiscovery();  // --discover-local, once the P2P port is known
  [[nodiscard]] std::expected<void, std::string> StartRpc();
  [[nodiscard]] std::expected<void, std::string> ConfigureTls(p2p::NetworkManager::Options& options) const;
  void RegisterNodeMethods();
  void AddRestRoutes();
  nlohmann::json Info() const;
  std::string Metrics() const;
  void MinerLoop();

  // Constant after construction.
  const NodeConfig config_;

  int lock_fd_ = -1;
  std::unique_ptr<chain::Chainstate> chainstate_;
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<p2p::PeerDatabase> peer_db_;
  std::unique_ptr<p2p::PeerDbStore> peer_store_;
  std::unique_ptr<p2p::PeerPolicy> peer_policy_;
  std::unique_ptr<p2p::GeoIp> geoip_;
  std::optional<p2p::Asmap> asmap_;  // --asmap
  std::unique_ptr<p2p::Discovery> discovery_;
  std::unique_ptr<p2p::LocalDiscovery> local_discovery_;  // --discover-local
  std::unique_ptr<p2p::NetworkManager> network_;
  std::unique_ptr<p2p::ChainSync> sync_;  // relay and headers-first sync
  rpc::Dispatcher dispatcher_;
  std::unique_ptr<rpc::HttpServer> http_;
  uint16_t rpc_port_ = 0;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();

  std::atomic<bool> mining_cancelled_{false};
  std::thread miner_;

  util::Mutex stop_mutex_;
  util::CondVar stop_cv_;
  bool stop_requested_ GUARDED_BY(stop_mutex_) = false;
  bool stopped_ = false;
};

}  // namespace parthenon::node

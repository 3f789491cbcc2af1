// The node's /metrics page: every Prometheus metric Parthenon exports, built from plain snapshots
// of the components (so the names, types and help texts live in one place and are tested without
// a node). Thread-safe (pure function). The list of metrics is in docs/rpc.md; the naming follows
// the Prometheus conventions (counters end in _total, base units in the name, labels not names).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/script_cache.h"
#include "p2p/handlers/chain_sync.h"
#include "p2p/network_manager.h"
#include "p2p/peer.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/transport/tls_options.h"

namespace parthenon::rpc {

struct NodeMetricsSnapshot {
  std::string version;  // "0.1.0"
  std::string chain;    // "regtest"
  std::vector<p2p::PeerInfo> peers;
  p2p::NetworkManager::Stats network;
  int32_t height = 0;
  int32_t headers_height = 0;
  p2p::SyncStatus sync;
  p2p::transport::TlsStatus tls;
  p2p::PeerDatabase::Stats peerdb;
  size_t mempool_transactions = 0;
  int64_t mempool_vbytes = 0;
  // Storage faults (docs/storage.md).
  uint64_t block_read_corrupt = 0;     // block reads that found damaged data, since start
  size_t blocks_refetch_pending = 0;   // blocks marked corrupt, waiting for a good copy
  bool storage_writes_stopped = false;  // a storage failure (full disk) stopped writes
  chain::ScriptCache::Stats script_cache;  // block transactions not verified twice
  bool with_process = true;  // add process_* from /proc/self (false in tests)
};

[[nodiscard]] std::string NodeMetricsText(const NodeMetricsSnapshot& snapshot);

}  // namespace parthenon::rpc

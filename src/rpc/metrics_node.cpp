#include "rpc/metrics_node.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "rpc/metrics.h"
#include "rpc/tls_methods.h"

namespace parthenon::rpc {
namespace {

void PeerMetrics(MetricsWriter& out, const std::vector<p2p::PeerInfo>& peers,
                 const p2p::NetworkManager::Stats& network) {
  std::map<std::pair<std::string, std::string>, int> by_direction_state;
  std::map<std::string, int> encrypted;                                   // direction → peers
  std::map<std::pair<std::string, std::string>, p2p::CommandStats> traffic;  // (direction, command)
  // Ended sessions' traffic first, so the counters never go down when a peer leaves.
  for (const auto& [command, stats] : network.sent_by_closed) traffic[{"sent", command}] = stats;
  for (const auto& [command, stats] : network.received_by_closed) {
    traffic[{"received", command}] = stats;
  }
  for (const auto& peer : peers) {
    const std::string direction(p2p::ToString(peer.direction));
    ++by_direction_state[{direction, std::string(p2p::ToString(peer.state))}];
    if (peer.encrypted) ++encrypted[direction];
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
  out.Family("parthenon_tls_peers", "gauge", "Peers whose link is TLS-encrypted, by direction.");
  for (const char* direction : {"inbound", "outbound"}) {
    out.Sample("parthenon_tls_peers", encrypted[direction], {{"direction", direction}});
  }
  out.Family("parthenon_p2p_messages_total", "counter",
             "P2P messages since start (ended sessions included) by direction and command.");
  for (const auto& [key, stats] : traffic) {
    out.Sample("parthenon_p2p_messages_total", static_cast<double>(stats.messages),
               {{"direction", key.first}, {"command", key.second}});
  }
  out.Family("parthenon_p2p_bytes_total", "counter",
             "P2P bytes (with frame headers) since start by direction and command.");
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
}

void SyncMetrics(MetricsWriter& out, const NodeMetricsSnapshot& s) {
  auto gauge = [&out](const char* name, const char* help, double value) {
    out.Family(name, "gauge", help);
    out.Sample(name, value);
  };
  auto counter = [&out](const char* name, const char* help, uint64_t value) {
    out.Family(name, "counter", help);
    out.Sample(name, static_cast<double>(value));
  };
  gauge("parthenon_chain_height", "Height of the best chain.", s.height);
  gauge("parthenon_headers_height", "Height of the best known header.", s.headers_height);
  gauge("parthenon_sync_target_height", "Best height announced by peers or headers.", s.sync.target_height);
  gauge("parthenon_sync_progress_ratio", "Blocks connected / target height (0..1).", s.sync.progress);
  gauge("parthenon_syncing", "1 while the header tip or a peer's height is ahead of the chain tip.",
        s.sync.syncing ? 1 : 0);
  gauge("parthenon_sync_blocks_per_second", "Block connect rate over the last few seconds.",
        s.sync.blocks_per_second);
  gauge("parthenon_sync_blocks_in_flight", "Blocks requested from peers and not yet received.",
        static_cast<double>(s.sync.blocks_in_flight));
  counter("parthenon_sync_blocks_received_total", "Block messages accepted for validation.",
          s.sync.blocks_received);
  counter("parthenon_sync_duplicate_blocks_total", "Blocks received that we already had.",
          s.sync.duplicate_blocks);
  counter("parthenon_sync_headers_received_total", "Headers received.", s.sync.headers_received);
  counter("parthenon_sync_transactions_received_total", "Transaction messages received.",
          s.sync.transactions_received);
  counter("parthenon_sync_misbehavior_reports_total", "Protocol violations reported by sync and relay.",
          s.sync.misbehavior_reports);
  counter("parthenon_compact_blocks_received_total", "BIP152 cmpctblock messages for new blocks.",
          s.sync.compact_blocks_received);
  counter("parthenon_compact_blocks_reconstructed_total",
          "Compact blocks rebuilt from the mempool without a round trip.", s.sync.compact_reconstructed);
  counter("parthenon_compact_blocks_round_trip_total",
          "Compact blocks rebuilt after one getblocktxn/blocktxn round.", s.sync.compact_round_trip);
  counter("parthenon_compact_blocks_fallback_total",
          "Compact blocks given up for the full block (collision, mismatch, cap).",
          s.sync.compact_fallbacks);
  counter("parthenon_inbound_connections_accepted_total", "Inbound TCP connections accepted.",
          s.network.accepted);
  counter("parthenon_inbound_connections_refused_total",
          "Inbound TCP connections closed at once (limits or bans).", s.network.refused_inbound);
  gauge("parthenon_peerdb_addresses", "Addresses in the peer database.", static_cast<double>(s.peerdb.peers));
  gauge("parthenon_peerdb_good_addresses", "Addresses not banned and scoring at least the threshold.",
        static_cast<double>(s.peerdb.good));
  gauge("parthenon_peerdb_score_average", "Average score of the peer database's addresses.",
        s.peerdb.average_score);
  gauge("parthenon_peerdb_bans", "Ban entries in force (IPs and subnets).", static_cast<double>(s.peerdb.banned));
  gauge("parthenon_mempool_transactions", "Transactions in the mempool.",
        static_cast<double>(s.mempool_transactions));
  gauge("parthenon_mempool_vsize_bytes", "Virtual size of the mempool's transactions.",
        static_cast<double>(s.mempool_vbytes));
  out.Family("parthenon_block_read_corrupt_total", "counter",
             "Block reads that found the stored data damaged.");
  out.Sample("parthenon_block_read_corrupt_total", static_cast<double>(s.block_read_corrupt));
  gauge("parthenon_blocks_refetch_pending", "Blocks marked corrupt, waiting to be fetched again.",
        static_cast<double>(s.blocks_refetch_pending));
  counter("parthenon_script_cache_hits_total",
          "Block transactions whose input checks had passed in the mempool (not re-verified).",
          s.script_cache.hits);
  counter("parthenon_script_cache_misses_total", "Block transactions verified in full.",
          s.script_cache.misses);
  gauge("parthenon_script_cache_entries", "Transactions in the script execution cache.",
        static_cast<double>(s.script_cache.entries));
  gauge("parthenon_storage_writes_stopped", "1 when a storage failure (e.g. a full disk) stopped writes.",
        s.storage_writes_stopped ? 1 : 0);
}

// The standard process_* metrics of Prometheus client libraries, from /proc/self.
void ProcessMetrics(MetricsWriter& out) {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return;
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  // f[0] is field 3 (state): utime = field 14, stime 15, starttime 22, rss 24.
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.Family("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
  out.Sample("process_cpu_seconds_total", (std::stod(f[11]) + std::stod(f[12])) / ticks);
  out.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.Sample("process_resident_memory_bytes", std::stod(f[21]) * page);
  std::ifstream uptime_file("/proc/uptime");
  double uptime = 0;
  if (uptime_file >> uptime) {
    const double boot = static_cast<double>(std::time(nullptr)) - uptime;
    out.Family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    out.Sample("process_start_time_seconds", boot + std::stod(f[19]) / ticks);
  }
  std::error_code error;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++fds;
  }
  out.Family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.Sample("process_open_fds", static_cast<double>(fds));
}

}  // namespace

std::string NodeMetricsText(const NodeMetricsSnapshot& snapshot) {
  MetricsWriter out;
  out.Family("parthenon_build_info", "gauge", "Always 1; the labels name the version and chain.");
  out.Sample("parthenon_build_info", 1, {{"version", snapshot.version}, {"chain", snapshot.chain}});
  PeerMetrics(out, snapshot.peers, snapshot.network);
  SyncMetrics(out, snapshot);
  WriteTlsMetrics(out, snapshot.tls);
  if (snapshot.with_process) ProcessMetrics(out);
  return out.Take();
}

}  // namespace parthenon::rpc

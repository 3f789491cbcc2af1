#include "rpc/net_methods.h"

#include <chrono>

#include "p2p/wire/net_address.h"
#include "p2p/wire/protocol.h"
#include "rpc/params.h"
#include "rpc/tls_methods.h"
#include "util/result.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

json CommandStatsToJson(const std::map<std::string, p2p::CommandStats, std::less<>>& stats) {
  json out = json::object();
  for (const auto& [command, counts] : stats) {
    out[command] = {{"messages", counts.messages}, {"bytes", counts.bytes}};
  }
  return out;
}

Result<json> AddNode(p2p::NetworkManager& network, const json& params) {
  Params p(params, {"node", "command"});
  PARTHENON_TRY(p.CheckShape());
  auto node = p.String(0);
  if (!node) return std::unexpected(node.error());
  auto command = p.String(1);
  if (!command) return std::unexpected(command.error());
  const auto ports = network.ListenPorts();
  const auto target = p2p::wire::SplitHostPort(*node, ports.empty() ? 0 : ports.front());
  if (!target || target->port == 0) {
    return MakeError(ErrorCode::kInvalidParameter, "node must be host:port, [ipv6]:port or host");
  }
  const auto& [host, port] = *target;
  if (*command == "add" || *command == "onetry") {
    auto added = network.AddPeer(host, port,
                                 *command == "onetry" ? p2p::AddMode::kOnce : p2p::AddMode::kKeep);
    if (!added) return MakeError(ErrorCode::kClientNodeAlreadyAdded, std::string(p2p::ToString(added.error())));
    return nullptr;
  }
  if (*command == "remove") {
    network.RemovePeer(host, port);
    return nullptr;
  }
  return MakeError(ErrorCode::kInvalidParameter, "command must be add, remove or onetry");
}

Result<json> DisconnectNode(p2p::NetworkManager& network, const json& params) {
  Params p(params, {"address", "nodeid"});
  PARTHENON_TRY(p.CheckShape());
  auto id = p.OptionalInt(1, 0, INT64_MAX);
  if (!id) return std::unexpected(id.error());
  auto address = p.OptionalString(0);
  if (!address) return std::unexpected(address.error());
  for (const p2p::PeerInfo& peer : network.GetPeers()) {
    const bool match = *id ? peer.id == static_cast<p2p::PeerId>(**id)
                           : (*address && (peer.address.ToString() == **address ||
                                           peer.address.HostString() == **address));
    if (match) {
      (void)network.DisconnectPeer(peer.id);
      return nullptr;
    }
  }
  return MakeError(ErrorCode::kClientNodeNotConnected, "Node not found in connected nodes");
}

}  // namespace

json PeerToJson(const p2p::PeerInfo& peer) {
  const auto since = std::chrono::duration_cast<std::chrono::seconds>(
                         peer.connected_since.time_since_epoch()).count();
  json out;
  out["id"] = peer.id;
  out["addr"] = peer.address.ToString();
  out["host"] = peer.address.HostString();
  out["port"] = peer.address.port();
  out["inbound"] = peer.direction == p2p::Direction::kInbound;
  out["direction"] = std::string(p2p::ToString(peer.direction));
  out["state"] = std::string(p2p::ToString(peer.state));
  out["version"] = peer.version;
  out["services"] = peer.services;
  out["subver"] = peer.user_agent;
  out["startingheight"] = peer.start_height;
  out["bytessent"] = peer.bytes_sent;
  out["bytessent_sendfile"] = peer.bytes_sent_by_sendfile;
  out["bytesrecv"] = peer.bytes_received;
  out["msgssent"] = peer.messages_sent;
  out["msgsrecv"] = peer.messages_received;
  out["conntime"] = since;
  const auto unix_seconds = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  out["lastsend"] = unix_seconds(peer.last_send);  // 0: nothing yet
  out["lastrecv"] = unix_seconds(peer.last_receive);
  out["manual"] = peer.manual;
  out["connection_type"] = std::string(p2p::ToString(peer.connection_type));  // Core's name
  out["relaytxes"] = peer.relay_txs;
  out["wtxidrelay"] = peer.wtxid_relay;
  out["addrv2"] = peer.addrv2;
  out["bytessent_per_msg"] = CommandStatsToJson(peer.sent_per_command);
  out["bytesrecv_per_msg"] = CommandStatsToJson(peer.received_per_command);
  if (peer.ping) out["pingtime"] = static_cast<double>(peer.ping->count()) / 1e6;
  if (peer.min_ping) out["minping"] = static_cast<double>(peer.min_ping->count()) / 1e6;
  out.update(TlsPeerJson(peer));  // encrypted, TLS version, cipher, peer key fingerprint
  return out;
}

namespace {

// What the kernel offers for zero-copy sends, and how stored blocks are sent (docs/networking.md).
json ZeroCopyJson(const p2p::NetworkManager& network) {
  const auto found = network.GetZeroCopy();
  return json{{"sendfile", found.sendfile},
              {"splice", found.splice},
              {"msg_zerocopy", found.msg_zerocopy},
              {"ktls", found.ktls},
              {"io_uring", found.io_uring},
              {"stored_blocks", network.ZeroCopySend() ? "sendfile" : "copy"}};
}

}  // namespace

void RegisterNetMethods(Dispatcher& dispatcher, p2p::NetworkManager& network) {
  auto no_params = [](const json& params) -> Result<void> { return Params(params, {}).CheckShape(); };
  dispatcher.Register({"getpeerinfo", "", "Every connected peer: address, direction, state, version, traffic, ping.",
                       [&network, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         json out = json::array();
                         for (const auto& peer : network.GetPeers()) out.push_back(PeerToJson(peer));
                         return out;
                       }});
  dispatcher.Register({"getconnectioncount", "", "Number of peers.",
                       [&network, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         return network.GetPeers().size();
                       }});
  dispatcher.Register({"getnetworkinfo", "", "Protocol version, user agent, listening ports and connection counts.",
                       [&network, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         const auto stats = network.GetStats();
                         return json{{"protocolversion", p2p::wire::kProtocolVersion},
                                     {"connections", stats.inbound + stats.outbound},
                                     {"connections_in", stats.inbound},
                                     {"connections_out", stats.outbound},
                                     {"accepted", stats.accepted},
                                     {"refused_inbound", stats.refused_inbound},
                                     {"localports", network.ListenPorts()},
                                     {"zerocopy", ZeroCopyJson(network)}};
                       }});
  dispatcher.Register({"getnettotals", "", "Bytes sent and received over all peers now connected.",
                       [&network, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         uint64_t sent = 0, received = 0;
                         for (const auto& peer : network.GetPeers()) {
                           sent += peer.bytes_sent;
                           received += peer.bytes_received;
                         }
                         return json{{"totalbytessent", sent}, {"totalbytesrecv", received}};
                       }});
  dispatcher.Register({"addnode", "node command", "add|remove|onetry a peer to keep connected (host:port).",
                       [&network](const json& params) { return AddNode(network, params); }});
  dispatcher.Register({"ping", "", "Sends a ping to every peer now; round trips show in getpeerinfo's pingtime.",
                       [&network, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         network.PingAll();
                         return nullptr;
                       }});
  dispatcher.Register({"disconnectnode", "[address] [nodeid]", "Disconnects a peer by address or id.",
                       [&network](const json& params) { return DisconnectNode(network, params); }});
}

}  // namespace parthenon::rpc

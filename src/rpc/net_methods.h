// RPC methods about the network: getpeerinfo, getnetworkinfo, getconnectioncount, addnode,
// disconnectnode, ping, getnettotals. Also the JSON of one peer, shared with REST.
#pragma once

#include <nlohmann/json.hpp>

#include "p2p/network_manager.h"
#include "rpc/dispatcher.h"

namespace parthenon::rpc {

nlohmann::json PeerToJson(const p2p::PeerInfo& peer);

// `network` must outlive the dispatcher.
void RegisterNetMethods(Dispatcher& dispatcher, p2p::NetworkManager& network);

}  // namespace parthenon::rpc

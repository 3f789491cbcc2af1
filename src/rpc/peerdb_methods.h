// RPC methods of the peer database: getpeerdbinfo, getpeerscore, setban, listbanned,
// clearbanned, dumppeers, loadpeers (docs/peer-database.md and docs/rpc.md describe them).
// Thread-safe handlers (the database and the network manager are).
#pragma once

namespace parthenon::p2p {
class NetworkManager;
class PeerDatabase;
}  // namespace parthenon::p2p

namespace parthenon::rpc {

class Dispatcher;

// REQUIRES: db and net outlive the dispatcher's use of the methods.
void RegisterPeerDbMethods(Dispatcher& dispatcher, p2p::PeerDatabase& db,
                           p2p::NetworkManager& net);

}  // namespace parthenon::rpc

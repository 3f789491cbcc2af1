// Who handles each P2P command: one table derived from PARTHENON_WIRE_COMMANDS. Adding a command
// to the X-macro without a RouteOf entry below is a compile error (kRoutes is built from the
// X-macro), and ChainSync's dispatch has no catch-all: a command routed to it without a handler
// does not compile either. To give a new command to ChainSync: one RouteOf line here and one
// Handle overload in detail/chain_sync.h.
// Thread-safe (constants).
#pragma once

#include <array>
#include <type_traits>

#include "p2p/wire/commands.h"
#include "p2p/wire/messages.h"

namespace parthenon::p2p {

enum class Route {
  kSession,     // answered by the peer's session itself (ping/pong)
  kHandshake,   // the VERSION/VERACK state machine (handlers/handshake.h); after it, duplicates
                // are misbehaviour (session.cpp)
  kDiscovery,   // address gossip (peerdb/discovery.h, an observer of the manager)
  kSync,        // ChainSync bookkeeping, under its lock (ChainSync::Impl::Handle overloads)
  kSyncChain,   // ChainSync work that asks the chainstate to accept data (headers): queued for
                // the validation worker (ChainSync::Impl::QueueChainWork overloads)
  kSyncOwnLock,  // ChainSync work on the I/O thread that locks for itself because it may hand a
                 // block on (blocktxn: the rebuilt block goes to OnBlock); no chain work
                 // (ChainSync::Impl::HandleOwnLock overloads)
  kSyncObject,  // block/tx: handed to ChainSync by value (NetworkManager OnBlock/OnTransaction)
  kIgnored,     // understood, deliberately unhandled (reject is deprecated, BIP61; unknown)
};

#define PARTHENON_ROUTE(type, route) \
  constexpr Route RouteOf(std::type_identity<wire::type>) { return Route::route; }
PARTHENON_ROUTE(Version, kHandshake)
PARTHENON_ROUTE(Verack, kHandshake)
PARTHENON_ROUTE(Ping, kSession)
PARTHENON_ROUTE(Pong, kSession)
PARTHENON_ROUTE(Addr, kDiscovery)
PARTHENON_ROUTE(GetAddr, kDiscovery)
PARTHENON_ROUTE(Inv, kSync)
PARTHENON_ROUTE(GetData, kSync)
PARTHENON_ROUTE(NotFound, kSync)
PARTHENON_ROUTE(GetHeaders, kSync)
PARTHENON_ROUTE(GetBlocks, kSync)
PARTHENON_ROUTE(Headers, kSyncChain)
PARTHENON_ROUTE(BlockMessage, kSyncObject)
PARTHENON_ROUTE(TxMessage, kSyncObject)
PARTHENON_ROUTE(Reject, kIgnored)
PARTHENON_ROUTE(SendHeaders, kSync)
PARTHENON_ROUTE(FeeFilter, kSync)
PARTHENON_ROUTE(MemPool, kSync)
PARTHENON_ROUTE(WtxidRelay, kHandshake)
PARTHENON_ROUTE(SendAddrV2, kHandshake)
PARTHENON_ROUTE(AddrV2, kDiscovery)
PARTHENON_ROUTE(SendCmpct, kSync)
PARTHENON_ROUTE(CmpctBlock, kSyncChain)
PARTHENON_ROUTE(GetBlockTxn, kSync)
PARTHENON_ROUTE(BlockTxn, kSyncOwnLock)
PARTHENON_ROUTE(Unknown, kIgnored)
#undef PARTHENON_ROUTE

template <class Message>
inline constexpr Route kRouteOf = RouteOf(std::type_identity<Message>{});

// Indexed by wire::Command.
inline constexpr std::array kRoutes = {
#define PARTHENON_ROUTE_ENTRY(type, name, cap) kRouteOf<wire::type>,
    PARTHENON_WIRE_COMMANDS(PARTHENON_ROUTE_ENTRY)
#undef PARTHENON_ROUTE_ENTRY
};
static_assert(kRoutes.size() == wire::kCommandCount);

constexpr Route RouteOf(wire::Command command) { return kRoutes[static_cast<size_t>(command)]; }

}  // namespace parthenon::p2p

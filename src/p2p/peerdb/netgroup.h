// Netgroups: the unit of network diversity (Bitcoin Core's "group"): IPv4 /16, IPv6 /32, and
// one group per loopback /16 so multi-node tests on 127.A.B.C behave like distinct networks.
// Pure functions. Thread-safe.
#pragma once

#include <string>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

// "4:10.1" for 10.1.2.3, "6:2001:0db8" for 2001:db8::1 (stable text, usable as a map key and
// stored in peer records as an address's source group).
std::string NetGroup(const wire::NetAddress& address);

// Addresses we never gossip nor dial from gossip: unspecified, port 0, multicast.
bool IsRoutableForGossip(const wire::NetAddress& address);

// Which addresses a chain's peers may gossip to us and we may store and dial.
enum class AddressScope {
  kPublic,  // main and testnet: globally routable unicast only (no loopback, private,
            // link-local, CGNAT, documentation, benchmarking, multicast or reserved ranges)
  kLocal,   // regtest, a local test chain: loopback and private ranges only, never public
};
// Loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7) or link-local.
bool IsLocalAddress(const wire::NetAddress& address);
// Anything IsRoutableForGossip rejects, plus the special-purpose ranges of RFC 6890.
bool IsPublicAddress(const wire::NetAddress& address);
// True if `address` may be stored and dialled in `scope` (port 0 and :: never).
bool InScope(const wire::NetAddress& address, AddressScope scope);

}  // namespace parthenon::p2p

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

}  // namespace parthenon::p2p

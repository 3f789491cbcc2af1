// Peer endpoints given on the command line (--addnode, --connect). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parthenon::node {

// "host:port" for each entry (see p2p::wire::SplitHostPort), adding `default_port` where none is
// given; IPv6 hosts get brackets. Entries that are not host[:port] are dropped (the config parser
// reports them).
std::vector<std::string> HostsWithPorts(const std::vector<std::string>& nodes, uint16_t default_port);

}  // namespace parthenon::node

// Peer endpoints given on the command line (--addnode, --connect). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parthenon::node {

// "host:port" for each entry, adding `default_port` where none is given. Accepts "host",
// "host:port", "1.2.3.4", "[v6]", "[v6]:port" and a bare IPv6 address ("::1"), which gets
// brackets so the port can follow.
std::vector<std::string> HostsWithPorts(const std::vector<std::string>& nodes, uint16_t default_port);

}  // namespace parthenon::node

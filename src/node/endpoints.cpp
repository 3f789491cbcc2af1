#include "node/endpoints.h"

#include "p2p/wire/net_address.h"

namespace parthenon::node {

std::vector<std::string> HostsWithPorts(const std::vector<std::string>& nodes, uint16_t default_port) {
  std::vector<std::string> out;
  out.reserve(nodes.size());
  for (const std::string& node : nodes) {
    if (auto target = p2p::wire::SplitHostPort(node, default_port)) out.push_back(target->ToString());
  }
  return out;
}

}  // namespace parthenon::node

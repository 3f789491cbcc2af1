#include "node/endpoints.h"

namespace parthenon::node {

std::vector<std::string> HostsWithPorts(const std::vector<std::string>& nodes, uint16_t default_port) {
  const std::string port = ":" + std::to_string(default_port);
  std::vector<std::string> out;
  out.reserve(nodes.size());
  for (const std::string& node : nodes) {
    if (node.empty()) continue;
    if (node.front() == '[') {
      out.push_back(node.find("]:") != std::string::npos ? node : node + port);
    } else if (node.find(':') != node.rfind(':')) {
      out.push_back("[" + node + "]" + port);  // bare IPv6: no port can be told apart
    } else if (node.find(':') != std::string::npos) {
      out.push_back(node);
    } else {
      out.push_back(node + port);
    }
  }
  return out;
}

}  // namespace parthenon::node

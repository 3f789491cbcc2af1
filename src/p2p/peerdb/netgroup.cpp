#include "p2p/peerdb/netgroup.h"

#include <fmt/format.h>

namespace parthenon::p2p {

std::string NetGroup(const wire::NetAddress& address) {
  if (address.IsIPv4()) {
    const auto o = address.IPv4();
    return fmt::format("4:{}.{}", o[0], o[1]);
  }
  const auto& ip = address.ip();
  return fmt::format("6:{:02x}{:02x}:{:02x}{:02x}", static_cast<uint8_t>(ip[0]),
                     static_cast<uint8_t>(ip[1]), static_cast<uint8_t>(ip[2]),
                     static_cast<uint8_t>(ip[3]));
}

bool IsRoutableForGossip(const wire::NetAddress& address) {
  if (address.port() == 0) return false;
  if (address.ip() == wire::NetAddress::IpBytes{}) return false;
  if (address.IsIPv4()) {
    const auto o = address.IPv4();
    return o[0] != 0 && o[0] < 224;
  }
  return static_cast<uint8_t>(address.ip()[0]) != 0xFF;
}

}  // namespace parthenon::p2p

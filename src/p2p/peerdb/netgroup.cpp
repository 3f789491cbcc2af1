#include "p2p/peerdb/netgroup.h"

#include <fmt/format.h>

#include <algorithm>

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

namespace {

uint8_t At(const wire::NetAddress& address, size_t i) {
  return static_cast<uint8_t>(address.ip()[i]);
}

bool LocalIpv4(const wire::NetAddress::Ipv4Octets& o) {
  return o[0] == 127 || o[0] == 10 || (o[0] == 172 && (o[1] & 0xf0) == 16) ||
         (o[0] == 192 && o[1] == 168) || (o[0] == 169 && o[1] == 254);
}

// RFC 6890 special-purpose IPv4 ranges other than the local ones.
bool ReservedIpv4(const wire::NetAddress::Ipv4Octets& o) {
  return o[0] == 0 || o[0] >= 224 ||                      // this network, multicast, 240/4
         (o[0] == 100 && (o[1] & 0xc0) == 64) ||          // 100.64/10 shared (CGNAT)
         (o[0] == 192 && o[1] == 0 && (o[2] == 0 || o[2] == 2)) ||  // 192.0.0/24, TEST-NET-1
         (o[0] == 198 && (o[1] & 0xfe) == 18) ||          // 198.18/15 benchmarking
         (o[0] == 198 && o[1] == 51 && o[2] == 100) ||    // TEST-NET-2
         (o[0] == 203 && o[1] == 0 && o[2] == 113);       // TEST-NET-3
}

}  // namespace

bool IsLocalAddress(const wire::NetAddress& address) {
  if (address.IsIPv4()) return LocalIpv4(address.IPv4());
  const bool loopback = address.ip() == wire::NetAddress::Parse("::1", 0)->ip();
  const bool unique_local = (At(address, 0) & 0xfe) == 0xfc;                   // fc00::/7
  const bool link_local = At(address, 0) == 0xfe && (At(address, 1) & 0xc0) == 0x80;  // fe80::/10
  return loopback || unique_local || link_local;
}

bool IsPublicAddress(const wire::NetAddress& address) {
  if (!IsRoutableForGossip(address) || IsLocalAddress(address)) return false;
  if (address.IsIPv4()) return !ReservedIpv4(address.IPv4());
  const bool documentation = At(address, 0) == 0x20 && At(address, 1) == 0x01 &&
                             At(address, 2) == 0x0d && At(address, 3) == 0xb8;  // 2001:db8::/32
  const bool v4_compatible = std::all_of(address.ip().begin(), address.ip().begin() + 12,
                                         [](std::byte b) { return b == std::byte{0}; });
  return !documentation && !v4_compatible;
}

bool InScope(const wire::NetAddress& address, AddressScope scope) {
  if (!IsRoutableForGossip(address)) return false;
  switch (scope) {
    case AddressScope::kPublic: return IsPublicAddress(address);
    case AddressScope::kLocal: return IsLocalAddress(address);
  }
  return false;
}

}  // namespace parthenon::p2p

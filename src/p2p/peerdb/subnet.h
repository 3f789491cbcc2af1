// Subnet: an IP prefix over the 16-byte wire form (IPv4 as IPv4-mapped IPv6, so an IPv4 /24 is
// a /120 inside). Parses "1.2.3.4", "1.2.3.0/24", "2001:db8::/32", "::1". Thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

class Subnet {
 public:
  Subnet() = default;
  // A single address (/32 or /128).
  explicit Subnet(const wire::NetAddress& address);
  // nullopt if the text is not an IP or IP/prefix with a prefix in range (IPv4 0..32, IPv6 0..128).
  static std::optional<Subnet> Parse(std::string_view text);
  // REQUIRES: prefix_bits <= 128 (in 16-byte terms); host bits are cleared.
  static Subnet FromPrefix(const wire::NetAddress::IpBytes& ip, int prefix_bits);

  bool Contains(const wire::NetAddress& address) const;
  bool IsSingleAddress() const { return prefix_ == 128; }
  // "1.2.3.4/32", "1.2.3.0/24", "2001:db8::/32" (IPv4 prefixes in IPv4 terms).
  std::string ToString() const;

  const wire::NetAddress::IpBytes& network() const { return network_; }
  int prefix() const { return prefix_; }  // in 16-byte terms (IPv4 /24 = 120)

  auto operator<=>(const Subnet&) const = default;

 private:
  wire::NetAddress::IpBytes network_{};
  int prefix_ = 128;
};

}  // namespace parthenon::p2p

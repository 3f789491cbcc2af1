// Network addresses as the wire carries them: 16 bytes of IPv6 (IPv4 as IPv4-mapped IPv6,
// ::ffff:a.b.c.d) and a port. A plain value type with no socket or Asio types, so the wire layer
// stays pure; the transport converts to and from its endpoint types. Thread-compatible.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parthenon::p2p::wire {

class NetAddress {
 public:
  static constexpr size_t kSize = 16;
  using IpBytes = std::array<std::byte, kSize>;
  using Ipv4Octets = std::array<uint8_t, 4>;

  // The unspecified address ::, port 0.
  NetAddress() = default;
  NetAddress(const IpBytes& ip, uint16_t port) : ip_(ip), port_(port) {}

  static NetAddress FromIPv4(const Ipv4Octets& octets, uint16_t port);
  // Parses a bare host: dotted IPv4 ("1.2.3.4", stored IPv4-mapped) or IPv6 text ("::1",
  // "2001:db8::1", "::ffff:1.2.3.4"). nullopt for anything else (names are not resolved here).
  static std::optional<NetAddress> Parse(std::string_view host, uint16_t port);
  // Parses "host:port": "1.2.3.4:8333" or "[::1]:8333".
  static std::optional<NetAddress> ParseEndpoint(std::string_view endpoint);

  bool IsIPv4() const;
  // REQUIRES: IsIPv4().
  Ipv4Octets IPv4() const;

  // "1.2.3.4" or the RFC 5952 form of IPv6 ("::1").
  std::string HostString() const;
  // "1.2.3.4:8333" or "[::1]:8333".
  std::string ToString() const;

  const IpBytes& ip() const { return ip_; }
  uint16_t port() const { return port_; }

  auto operator<=>(const NetAddress&) const = default;

 private:
  IpBytes ip_{};
  uint16_t port_ = 0;
};

// A peer given by name or address, as on a command line: "host", "host:port", "1.2.3.4:8333",
// "[::1]:8333", "[::1]" or a bare IPv6 address ("::1", which cannot carry a port).
struct HostPort {
  std::string host;  // name or address, without brackets
  uint16_t port = 0;
  // "host:port", with brackets around an IPv6 host.
  std::string ToString() const;
  bool operator==(const HostPort&) const = default;
};

// Splits `text`, using `default_port` where none is given. nullopt for an empty host or a port
// that is not a number from 1 to 65535.
std::optional<HostPort> SplitHostPort(std::string_view text, uint16_t default_port);

}  // namespace parthenon::p2p::wire

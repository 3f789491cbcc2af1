#include "p2p/peerdb/subnet.h"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace parthenon::p2p {

Subnet::Subnet(const wire::NetAddress& address) : network_(address.ip()), prefix_(128) {}

Subnet Subnet::FromPrefix(const wire::NetAddress::IpBytes& ip, int prefix_bits) {
  Subnet s;
  s.prefix_ = prefix_bits;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix_bits - i * 8, 0, 8);
    const auto mask = static_cast<uint8_t>(keep == 0 ? 0 : 0xFF << (8 - keep));
    s.network_[i] = ip[i] & std::byte{mask};
  }
  return s;
}

std::optional<Subnet> Subnet::Parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = wire::NetAddress::Parse(text.substr(0, slash), 0);
  if (!address) return std::nullopt;
  const int max_bits = address->IsIPv4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || bits < 0 ||
        bits > max_bits) {
      return std::nullopt;
    }
  }
  return FromPrefix(address->ip(), address->IsIPv4() ? bits + 96 : bits);
}

bool Subnet::Contains(const wire::NetAddress& address) const {
  return FromPrefix(address.ip(), prefix_).network_ == network_;
}

std::string Subnet::ToString() const {
  const wire::NetAddress address(network_, 0);
  if (address.IsIPv4() && prefix_ >= 96) {
    return fmt::format("{}/{}", address.HostString(), prefix_ - 96);
  }
  return fmt::format("{}/{}", address.HostString(), prefix_);
}

}  // namespace parthenon::p2p

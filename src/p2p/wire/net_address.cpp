#include "p2p/wire/net_address.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace parthenon::p2p::wire {
namespace {

constexpr std::array<std::byte, 12> kIPv4MappedPrefix = {
    std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},    std::byte{0},
    std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0xff}, std::byte{0xff}};

// Splits `text` at every `separator` (empty pieces kept).
std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Parses an unsigned number of 1..max_digits digits in `base`, all of `text`.
std::optional<unsigned> ParseNumber(std::string_view text, int base, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Dotted-quad IPv4; decimal octets without leading zeros (which some tools read as octal).
std::optional<NetAddress::Ipv4Octets> ParseIPv4(std::string_view text) {
  const auto parts = Split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  NetAddress::Ipv4Octets octets{};
  for (size_t i = 0; i < 4; ++i) {
    const auto value = ParseNumber(parts[i], 10, 3);
    if (!value || *value > 255 || (parts[i].size() > 1 && parts[i][0] == '0')) return std::nullopt;
    octets[i] = static_cast<uint8_t>(*value);
  }
  return octets;
}

// Parses colon-separated 16-bit groups; the last may be a dotted IPv4 (two groups) when
// `allow_ipv4_tail`. An empty string is zero groups.
std::optional<std::vector<uint16_t>> ParseGroups(std::string_view text, bool allow_ipv4_tail) {
  std::vector<uint16_t> groups;
  if (text.empty()) return groups;
  const auto parts = Split(text, ':');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (allow_ipv4_tail && i + 1 == parts.size() && parts[i].find('.') != std::string_view::npos) {
      const auto v4 = ParseIPv4(parts[i]);
      if (!v4) return std::nullopt;
      groups.push_back(static_cast<uint16_t>((*v4)[0] << 8 | (*v4)[1]));
      groups.push_back(static_cast<uint16_t>((*v4)[2] << 8 | (*v4)[3]));
      continue;
    }
    const auto value = ParseNumber(parts[i], 16, 4);
    if (!value) return std::nullopt;
    groups.push_back(static_cast<uint16_t>(*value));
  }
  return groups;
}

std::optional<NetAddress::IpBytes> ParseIPv6(std::string_view text) {
  std::vector<uint16_t> groups;
  const size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    auto all = ParseGroups(text, true);
    if (!all || all->size() != 8) return std::nullopt;
    groups = std::move(*all);
  } else {
    const std::string_view tail = text.substr(gap + 2);
    if (tail.find("::") != std::string_view::npos) return std::nullopt;
    auto head_groups = ParseGroups(text.substr(0, gap), false);
    auto tail_groups = ParseGroups(tail, true);
    if (!head_groups || !tail_groups || head_groups->size() + tail_groups->size() > 7) {
      return std::nullopt;
    }
    groups = std::move(*head_groups);
    groups.resize(8 - tail_groups->size(), 0);
    groups.insert(groups.end(), tail_groups->begin(), tail_groups->end());
  }
  NetAddress::IpBytes ip{};
  for (size_t i = 0; i < 8; ++i) {
    ip[2 * i] = std::byte(groups[i] >> 8);
    ip[2 * i + 1] = std::byte(groups[i] & 0xff);
  }
  return ip;
}

// RFC 5952: lower-case hex without leading zeros; the longest run of two or more zero groups
// (the first such run on a tie) becomes "::".
std::string FormatIPv6(const NetAddress::IpBytes& ip) {
  std::array<uint16_t, 8> groups{};
  for (size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<uint16_t>(std::to_integer<unsigned>(ip[2 * i]) << 8 |
                                      std::to_integer<unsigned>(ip[2 * i + 1]));
  }
  size_t best_start = 8, best_length = 0;
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length && j - i >= 2) {
      best_start = i;
      best_length = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char buffer[4];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, groups[i], 16);
    out.append(buffer, result.ptr);
  }
  return out;
}

}  // namespace

NetAddress NetAddress::FromIPv4(const Ipv4Octets& octets, uint16_t port) {
  IpBytes ip{};
  std::copy(kIPv4MappedPrefix.begin(), kIPv4MappedPrefix.end(), ip.begin());
  for (size_t i = 0; i < 4; ++i) ip[12 + i] = std::byte{octets[i]};
  return NetAddress(ip, port);
}

std::optional<NetAddress> NetAddress::Parse(std::string_view host, uint16_t port) {
  if (host.find(':') == std::string_view::npos) {
    const auto v4 = ParseIPv4(host);
    if (!v4) return std::nullopt;
    return FromIPv4(*v4, port);
  }
  const auto v6 = ParseIPv6(host);
  if (!v6) return std::nullopt;
  return NetAddress(*v6, port);
}

std::optional<NetAddress> NetAddress::ParseEndpoint(std::string_view endpoint) {
  std::string_view host;
  std::string_view port_text;
  if (endpoint.starts_with('[')) {
    const size_t close = endpoint.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = endpoint.substr(1, close - 1);
    port_text = endpoint.substr(close + 2);
  } else {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = endpoint.substr(0, colon);
    port_text = endpoint.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  const auto port = ParseNumber(port_text, 10, 5);
  if (!port || *port > 0xffff) return std::nullopt;
  return Parse(host, static_cast<uint16_t>(*port));
}

bool NetAddress::IsIPv4() const {
  return std::equal(kIPv4MappedPrefix.begin(), kIPv4MappedPrefix.end(), ip_.begin());
}

NetAddress::Ipv4Octets NetAddress::IPv4() const {
  Ipv4Octets octets{};
  for (size_t i = 0; i < 4; ++i) octets[i] = std::to_integer<uint8_t>(ip_[12 + i]);
  return octets;
}

std::string NetAddress::HostString() const {
  if (!IsIPv4()) return FormatIPv6(ip_);
  const Ipv4Octets octets = IPv4();
  return std::to_string(octets[0]) + '.' + std::to_string(octets[1]) + '.' +
         std::to_string(octets[2]) + '.' + std::to_string(octets[3]);
}

std::string NetAddress::ToString() const {
  const std::string port = std::to_string(port_);
  return IsIPv4() ? HostString() + ':' + port : '[' + HostString() + "]:" + port;
}

std::string HostPort::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> SplitHostPort(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (const size_t colon = text.find(':');
             colon != std::string_view::npos && colon == text.rfind(':')) {
    host = text.substr(0, colon);  // exactly one colon: host:port (more: a bare IPv6 address)
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  uint16_t port = default_port;
  if (!port_text.empty() || text.ends_with(':')) {
    const auto number = ParseNumber(port_text, 10, 5);
    if (!number || *number == 0 || *number > 0xffff) return std::nullopt;
    port = static_cast<uint16_t>(*number);
  }
  return HostPort{std::string(host), port};
}

}  // namespace parthenon::p2p::wire

#include "node/config_checks.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>

#include "p2p/peerdb/subnet.h"
#include "p2p/transport/certificate.h"
#include "p2p/wire/net_address.h"

namespace parthenon::node {
namespace {

std::string Range(std::string_view what, auto min, auto max) {
  std::string text = std::string(what) + " from ";
  if constexpr (std::is_floating_point_v<decltype(min)>) {
    auto format = [](double v) {
      std::string s = std::to_string(v);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.ends_with('.')) s.pop_back();
      return s;
    };
    return text + format(min) + " to " + format(max);
  } else {
    return text + std::to_string(min) + " to " + std::to_string(max);
  }
}

bool IsIp(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  return p2p::wire::NetAddress::Parse(text, 0).has_value();
}

// The whole of `value` as a T; nullopt if empty, out of T's range or followed by other text.
template <class T>
std::optional<T> ParseWhole(const std::string& value) {
  T number{};
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, number);
  if (value.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return number;
}

}  // namespace

bool IsDnsName(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::string_view last_label;
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    last_label = label;
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    if (dot != std::string_view::npos && name.empty()) return false;  // "a..b" or a second final dot
  }
  return !std::all_of(last_label.begin(), last_label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

ValueCheck IntegerIn(int64_t min, int64_t max) {
  return [min, max](const std::string& value) -> std::string {
    const auto number = ParseWhole<int64_t>(value);
    if (!number || *number < min || *number > max) return Range("a whole number", min, max);
    return {};
  };
}

ValueCheck NumberIn(double min, double max) {
  return [min, max](const std::string& value) -> std::string {
    const auto number = ParseWhole<double>(value);  // from_chars reads "nan" and "inf" too
    if (!number || !std::isfinite(*number) || *number < min || *number > max) return Range("a finite number", min, max);
    return {};
  };
}

ValueCheck OneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& value) -> std::string {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return {};
    std::string expected = "one of ";
    for (size_t i = 0; i < allowed.size(); ++i) expected += (i == 0 ? "" : ", ") + allowed[i];
    return expected;
  };
}

ValueCheck Boolean() { return OneOf({"1", "0", "true", "false"}); }

ValueCheck IpAddress() {
  return [](const std::string& value) -> std::string {
    return IsIp(value) ? "" : "an IPv4 or IPv6 address such as 127.0.0.1 or ::1";
  };
}

ValueCheck IpOrSubnet() {
  return [](const std::string& value) -> std::string {
    return p2p::Subnet::Parse(value) ? "" : "an IP address or a subnet such as 10.0.0.0/8 or 2001:db8::/32";
  };
}

ValueCheck HostAndPort() {
  return [](const std::string& value) -> std::string {
    const auto target = p2p::wire::SplitHostPort(value, 1);
    if (target && (IsIp(target->host) || IsDnsName(target->host))) return {};
    return "host[:port] with an IP address or DNS name and a port from 1 to 65535 "
           "(IPv6 with a port as [addr]:port)";
  };
}

ValueCheck DnsSeedValue() {
  return [](const std::string& value) -> std::string {
    if (value == "0" || value == "1" || IsDnsName(value)) return {};
    return "0 (no DNS seeding), 1 (the network's seeds) or a DNS host name";
  };
}

ValueCheck ReadableFile() {
  return [](const std::string& value) -> std::string {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(value, ec)) return "an existing file (no such file)";
    if (::access(value.c_str(), R_OK) != 0) return "a readable file (permission denied)";
    return {};
  };
}

ValueCheck TlsPin() {
  return [](const std::string& value) -> std::string {
    return p2p::transport::NormalizePin(value) ? "" : "64 hex digits of a SHA-256, optionally sha256:-prefixed";
  };
}

}  // namespace parthenon::node

// Checks of single configuration values, shared by the command line and the config file so a
// value is judged the same way wherever it was written (docs/configuration.md, "Validation").
// A check returns an empty string when the value is acceptable, otherwise what is expected
// ("a whole number from 1 to 256"); the caller names the flag or file line and the value.
//
// Thread-safety: pure functions; a Check is immutable and may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace parthenon::node {

using ValueCheck = std::function<std::string(const std::string& value)>;

// Decimal integer (no sign for a minimum >= 0, no trailing text) in [min, max].
ValueCheck IntegerIn(int64_t min, int64_t max);
// Finite decimal number in [min, max] (rejects nan, inf and trailing text).
ValueCheck NumberIn(double min, double max);
// One of `allowed`, compared exactly.
ValueCheck OneOf(std::vector<std::string> allowed);
// 1/0, true/false (the only spellings documented).
ValueCheck Boolean();
// A bare IPv4 or IPv6 address ("127.0.0.1", "::1", "[::1]").
ValueCheck IpAddress();
// An IP address or an IP/prefix subnet ("10.0.0.0/8", "2001:db8::/32").
ValueCheck IpOrSubnet();
// host[:port] as wire::SplitHostPort reads it, where the host is an IP address or a DNS name.
ValueCheck HostAndPort();
// "0" (DNS seeding off), "1" (the chain's seeds) or a DNS name.
ValueCheck DnsSeedValue();
// A path to an existing regular file that this process can read.
ValueCheck ReadableFile();
// 64 hex digits, optionally "sha256:"-prefixed and colon-separated (docs/tls.md).
ValueCheck TlsPin();

// RFC 1123 host name: dot-separated labels of 1..63 letters, digits and inner hyphens, at most
// 253 characters, an optional final dot; the last label is not all digits (so "999.1.1.1" and
// "0" are not names).
bool IsDnsName(std::string_view name);

}  // namespace parthenon::node

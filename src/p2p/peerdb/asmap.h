// Asmap: IP → autonomous system number from a file in Bitcoin Core's asmap format (`--asmap`,
// the compact binary trie produced by Core's contrib/asmap tools). The file is a bit stream
// (least significant bit of each byte first) of instructions RETURN asn / JUMP offset /
// MATCH bits / DEFAULT asn, walked with the 128 bits of the IPv6 (IPv4-mapped) address, most
// significant first. Interpretation is bounded by the file: a malformed program yields 0
// ("unknown"), never a read past its end. Thread-safety: immutable after Load, thread-safe.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "p2p/wire/net_address.h"
#include "util/bytes.h"

namespace parthenon::p2p {

class Asmap {
 public:
  // Files larger than this are refused (Core's maps are a few MiB).
  static constexpr size_t kMaxFileBytes = 32 << 20;

  // The program in `bytes`; an error text if it is empty or too large. (A malformed program
  // is still safe to use: its lookups return 0 and the caller falls back to the netgroup.)
  [[nodiscard]] static std::expected<Asmap, std::string> FromBytes(util::ByteSpan bytes);
  [[nodiscard]] static std::expected<Asmap, std::string> Load(const std::filesystem::path& path);

  // The AS number of `address`, 0 when the map has none (or the walk fails).
  uint32_t Lookup(const wire::NetAddress& address) const;

 private:
  explicit Asmap(std::vector<bool> bits) : bits_(std::move(bits)) {}
  std::vector<bool> bits_;
};

class GeoIp;
// The address manager's grouping for the node: the AS number from `asmap` ("AS64500"), else
// the ASN of `geoip` (an ASN database), else the /16 or /32 netgroup. Both may be null (then
// an empty function: the database's default, NetGroup). The pointees must outlive the result.
std::function<std::string(const wire::NetAddress&)> AsGrouping(const Asmap* asmap,
                                                               const GeoIp* geoip);

// The interpreter itself (exposed for the fuzz target and tests): 0 on a malformed program.
uint32_t InterpretAsmap(const std::vector<bool>& program, const std::vector<bool>& ip_bits);

}  // namespace parthenon::p2p

// GeoIp: country and ASN lookups in a MaxMind-format database (GeoLite2-Country, -ASN, -City,
// DB-IP lite; --geoip-db), through libmaxminddb. Any of the fields may be missing from a given
// database. Thread-safety: thread-safe after Open (libmaxminddb lookups only read the mapping).
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

struct GeoInfo {
  std::string country;  // ISO 3166-1 alpha-2, "" if the database has none for this IP
  std::string asn;      // "AS15169", "" if none
  std::string isp;      // autonomous_system_organization, "" if none
  double latitude = 0;
  double longitude = 0;
};

class GeoIp {
 public:
  // The libmaxminddb error text on failure.
  [[nodiscard]] static std::expected<std::unique_ptr<GeoIp>, std::string> Open(
      const std::filesystem::path& path);
  ~GeoIp();
  GeoIp(const GeoIp&) = delete;
  GeoIp& operator=(const GeoIp&) = delete;

  // nullopt if the IP is not in the database (or the lookup failed).
  std::optional<GeoInfo> Lookup(const wire::NetAddress& address) const;

 private:
  struct Impl;
  explicit GeoIp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parthenon::p2p

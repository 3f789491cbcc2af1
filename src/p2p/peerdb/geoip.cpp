#include "p2p/peerdb/geoip.h"

#include <maxminddb.h>

#include <fmt/format.h>

namespace parthenon::p2p {

struct GeoIp::Impl {
  MMDB_s mmdb{};
  bool open = false;
  ~Impl() {
    if (open) MMDB_close(&mmdb);
  }
};

GeoIp::GeoIp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GeoIp::~GeoIp() = default;

std::expected<std::unique_ptr<GeoIp>, std::string> GeoIp::Open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &impl->mmdb);
  if (status != MMDB_SUCCESS) {
    return std::unexpected(fmt::format("{}: {}", path.string(), MMDB_strerror(status)));
  }
  impl->open = true;
  return std::unique_ptr<GeoIp>(new GeoIp(std::move(impl)));
}

namespace {

std::optional<MMDB_entry_data_s> Value(MMDB_lookup_result_s& result, const char* const* path) {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&result.entry, &data, path) != MMDB_SUCCESS || !data.has_data) {
    return std::nullopt;
  }
  return data;
}

std::string Text(MMDB_lookup_result_s& result, const char* const* path) {
  auto data = Value(result, path);
  if (!data || data->type != MMDB_DATA_TYPE_UTF8_STRING) return {};
  return std::string(data->utf8_string, data->data_size);
}

double Number(MMDB_lookup_result_s& result, const char* const* path) {
  auto data = Value(result, path);
  if (!data) return 0;
  if (data->type == MMDB_DATA_TYPE_DOUBLE) return data->double_value;
  if (data->type == MMDB_DATA_TYPE_FLOAT) return data->float_value;
  return 0;
}

}  // namespace

std::optional<GeoInfo> GeoIp::Lookup(const wire::NetAddress& address) const {
  int gai_error = 0;
  int mmdb_error = 0;
  const std::string host = address.HostString();
  auto result = MMDB_lookup_string(&impl_->mmdb, host.c_str(), &gai_error, &mmdb_error);
  if (gai_error != 0 || mmdb_error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
  static constexpr const char* kCountry[] = {"country", "iso_code", nullptr};
  static constexpr const char* kAsn[] = {"autonomous_system_number", nullptr};
  static constexpr const char* kOrg[] = {"autonomous_system_organization", nullptr};
  static constexpr const char* kLatitude[] = {"location", "latitude", nullptr};
  static constexpr const char* kLongitude[] = {"location", "longitude", nullptr};
  GeoInfo info;
  info.country = Text(result, kCountry);
  if (auto asn = Value(result, kAsn)) {
    if (asn->type == MMDB_DATA_TYPE_UINT32) info.asn = fmt::format("AS{}", asn->uint32);
    if (asn->type == MMDB_DATA_TYPE_UINT16) info.asn = fmt::format("AS{}", asn->uint16);
  }
  info.isp = Text(result, kOrg);
  info.latitude = Number(result, kLatitude);
  info.longitude = Number(result, kLongitude);
  return info;
}

}  // namespace parthenon::p2p

#include "rpc/tls_methods.h"

#include <ctime>
#include <fmt/format.h>

#include "p2p/transport/certificate.h"
#include "rpc/params.h"

namespace parthenon::rpc {
namespace {

std::string IsoTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

nlohmann::json StatusJson(const p2p::transport::TlsStatus& status) {
  nlohmann::json out = {{"mode", std::string(p2p::transport::ToString(status.mode))},
                        {"rotations", status.rotations},
                        {"verify_ca", status.verify_ca},
                        {"pins", status.pins},
                        // Records are encrypted by OpenSSL in user space either way (docs/tls.md).
                        {"kernel_tls", {{"kernel", status.kernel_tls},
                                        {"openssl", status.kernel_tls_openssl},
                                        {"in_use", false}}}};
  if (const auto& cert = status.certificate) {
    out["certificate"] = {{"subject", cert->subject},
                          {"issuer", cert->issuer},
                          {"fingerprint", "sha256:" + cert->fingerprint},
                          {"valid_from", IsoTime(cert->valid_from)},
                          {"valid_until", IsoTime(cert->valid_until)},
                          {"expired", cert->IsExpired()},
                          {"expiring_soon", status.expiring_soon},
                          {"cert_file", cert->cert_path},
                          {"key_file", cert->key_path}};
  } else {
    out["certificate"] = nullptr;
  }
  return out;
}

}  // namespace

void RegisterTlsMethods(Dispatcher& dispatcher, p2p::NetworkManager& network) {
  dispatcher.Register(
      {"gettlsinfo", "", "TLS mode, our certificate, its fingerprint and validity",
       [&network](const nlohmann::json& params) -> Result<nlohmann::json> {
         Params p(params, {});
         if (auto shape = p.CheckShape(); !shape) return std::unexpected(shape.error());
         return StatusJson(network.GetTlsStatus());
       }});
  dispatcher.Register(
      {"regeneratecert", "[days]",
       "Replace our self-signed TLS certificate and key with new ones (new connections use them)",
       [&network](const nlohmann::json& params) -> Result<nlohmann::json> {
         Params p(params, {"days"});
         if (auto shape = p.CheckShape(); !shape) return std::unexpected(shape.error());
         auto days = p.OptionalInt(0, 1, 3650);
         if (!days) return std::unexpected(days.error());
         const auto status = network.GetTlsStatus();
         if (!status.certificate) return MakeError(ErrorCode::kMiscError, "TLS is off");
         const auto& cert = *status.certificate;
         if (cert.issuer != cert.subject) {
           return MakeError(ErrorCode::kMiscError,
                            "the certificate is not self-signed; replace its files instead");
         }
         auto generated = p2p::transport::GenerateSelfSigned(
             cert.cert_path, cert.key_path,
             {.days = static_cast<int>(days->value_or(365)), .common_name = "parthenon-node"});
         if (!generated) return MakeError(ErrorCode::kMiscError, generated.error().ToString());
         if (auto reloaded = network.ReloadTlsCertificate(); !reloaded) {
           return MakeError(ErrorCode::kMiscError, std::string(ToString(reloaded.error())));
         }
         return StatusJson(network.GetTlsStatus());
       }});
}

nlohmann::json TlsPeerJson(const p2p::PeerInfo& peer) {
  nlohmann::json out = {{"encrypted", peer.encrypted}};
  if (peer.encrypted) {
    out["tls_version"] = peer.tls_version;
    out["tls_cipher"] = peer.tls_cipher;
    out["peer_key_fingerprint"] =
        peer.peer_key_fingerprint.empty() ? "" : "sha256:" + peer.peer_key_fingerprint;
  }
  return out;
}

void WriteTlsMetrics(MetricsWriter& out, const p2p::transport::TlsStatus& status) {
  if (!status.certificate) return;
  out.Family("parthenon_tls_certificate_expiry_timestamp_seconds", "gauge",
             "Unix time at which our TLS certificate expires (minus time(): seconds left).");
  out.Sample("parthenon_tls_certificate_expiry_timestamp_seconds",
             static_cast<double>(status.certificate->valid_until));
  out.Family("parthenon_tls_certificate_expiring_soon", "gauge",
             "1 when our TLS certificate is within the expiry warning window.");
  out.Sample("parthenon_tls_certificate_expiring_soon", status.expiring_soon ? 1 : 0);
  out.Family("parthenon_tls_certificate_rotations_total", "counter",
             "TLS certificate reloads since start.");
  out.Sample("parthenon_tls_certificate_rotations_total", static_cast<double>(status.rotations));
}

}  // namespace parthenon::rpc

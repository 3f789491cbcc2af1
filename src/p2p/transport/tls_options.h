// Plain configuration and status types of the TLS transport (docs/tls.md). Free of OpenSSL and
// Asio so that network_manager.h can embed them. Thread-compatible value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parthenon::p2p::transport {

// --tls=off|optional|required.
//   kOff:      plaintext only; NODE_TLS not advertised.
//   kOptional: the listener serves TLS and plaintext on one port (first byte decides);
//              outbound links use TLS to peers known to advertise NODE_TLS.
//   kRequired: inbound plaintext is refused; every outbound link uses TLS.
enum class TlsMode { kOff, kOptional, kRequired };
std::string_view ToString(TlsMode mode);
std::optional<TlsMode> ParseTlsMode(std::string_view text);

struct TlsOptions {
  TlsMode mode = TlsMode::kOff;
  // PEM certificate (chain) and private key. REQUIRED when mode != kOff (EnsureIdentity()
  // provides a generated pair when the operator gave none).
  std::string cert_file;
  std::string key_file;
  // PEM CA bundle: when set, peers' certificates must chain to it (and be within validity).
  std::string ca_file;
  // SHA-256 of the peer's SubjectPublicKeyInfo (hex, optional "sha256:" prefix and colons).
  // `pins` applies to every peer; `peer_pins` to one peer, keyed by IP ("127.0.0.1") or
  // "host:port" as given to AddPeer. A peer matching any applicable pin is accepted.
  std::vector<std::string> pins;
  std::map<std::string, std::vector<std::string>, std::less<>> peer_pins;
  // How often the certificate files are checked for replacement.
  std::chrono::milliseconds rotation_interval = std::chrono::hours(1);
  // Log/metric warning this long before notAfter.
  std::chrono::seconds expiry_warning = std::chrono::hours(24 * 30);
};

// Our certificate as loaded (seed document §4 of the rotation guide).
struct CertificateInfo {
  std::string cert_path;
  std::string key_path;
  std::time_t valid_from = 0;
  std::time_t valid_until = 0;
  std::string issuer;       // one-line RFC 2253 form
  std::string subject;
  std::string fingerprint;  // SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex

  bool IsExpired(std::time_t now = std::time(nullptr)) const { return now > valid_until; }
  bool IsExpiringSoon(std::time_t days = 30, std::time_t now = std::time(nullptr)) const {
    return now + days * 86400 >= valid_until;
  }
};

// What gettlsinfo shows.
struct TlsStatus {
  TlsMode mode = TlsMode::kOff;
  std::optional<CertificateInfo> certificate;  // nullopt when mode is off
  bool expiring_soon = false;
  uint64_t rotations = 0;                      // certificate reloads since Start()
  bool verify_ca = false;                      // a CA bundle is configured
  size_t pins = 0;                             // network-wide pins
  // Kernel TLS (transport/zero_copy.h): whether the kernel has the TLS ULP and OpenSSL was built
  // with support for it. Records are always encrypted by OpenSSL in user space here (the
  // sessions' TLS runs through Asio's memory-BIO engine, which cannot hand keys to the kernel),
  // so a served block is read once into the buffer that OpenSSL encrypts.
  bool kernel_tls = false;
  bool kernel_tls_openssl = false;
};

}  // namespace parthenon::p2p::transport

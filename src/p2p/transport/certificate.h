// Certificates and keys of the TLS transport: self-signed generation (EC P-256, OpenSSL 3 EVP
// APIs), loading and describing a certificate, public-key fingerprints and pins, and the node's
// default identity in the data directory. Stateless free functions; thread-safe.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "p2p/transport/tls_options.h"

namespace parthenon::p2p::transport {

enum class TlsErrorCode {
  kIo,           // a file could not be read or written
  kBadCertificate,
  kBadKey,
  kKeyMismatch,  // the key does not belong to the certificate
  kBadCa,
  kBadPin,
  kOpenSsl,      // an unexpected OpenSSL failure
};

struct TlsError {
  TlsErrorCode code;
  std::string detail;
  std::string ToString() const;
};

template <class T>
using TlsResult = std::expected<T, TlsError>;

struct SelfSignedOptions {
  int days = 365;               // notAfter = notBefore + days
  int not_before_offset_days = 0;  // notBefore = now + offset (negative: in the past)
  std::string common_name = "parthenon-node";
};

// Writes a new EC P-256 key (mode 0600) and a self-signed certificate. Each file is written to a
// temporary name and renamed over the old one, so a watcher never reads half a file.
[[nodiscard]] TlsResult<void> GenerateSelfSigned(const std::string& cert_path,
                                                 const std::string& key_path,
                                                 const SelfSignedOptions& options = {});

// Reads the first certificate of a PEM file. If key_path is not empty, checks that the key
// matches the certificate (kKeyMismatch otherwise).
[[nodiscard]] TlsResult<CertificateInfo> LoadCertificateInfo(const std::string& cert_path,
                                                             const std::string& key_path = {});

// "sha256:AB:cd..." / "abcd..." → 64 lowercase hex digits; nullopt if malformed.
std::optional<std::string> NormalizePin(std::string_view pin);

struct Identity {
  std::string cert_path;
  std::string key_path;
  bool generated = false;  // a new pair was written
};

// The node's TLS identity. With both paths given, checks they load. With neither, uses
// <datadir>/tls/cert.pem and <datadir>/tls/key.pem, generating them (directory 0700, key 0600)
// if missing. One path without the other is an error.
[[nodiscard]] TlsResult<Identity> EnsureIdentity(const std::filesystem::path& datadir,
                                                 const std::optional<std::string>& cert_path = {},
                                                 const std::optional<std::string>& key_path = {});

}  // namespace parthenon::p2p::transport

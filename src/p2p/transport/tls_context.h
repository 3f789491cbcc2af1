// TlsContext: one immutable OpenSSL SSL_CTX built from TlsOptions — our certificate and key, the
// CA bundle, and the protocol policy (TLS 1.2 minimum, 1.3 preferred, ECDHE + AEAD suites only,
// no compression, no renegotiation, no session resumption) — plus per-connection verification
// and pinning. Sessions hold a shared_ptr to the context they started with, so a certificate
// rotation (which builds a new TlsContext) never disturbs existing connections.
//
// Internal to src/p2p (includes OpenSSL and asio::ssl). Thread-safe: immutable after Create().
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "p2p/transport/certificate.h"
#include "p2p/transport/tls_options.h"

namespace parthenon::p2p::transport {

// SHA-256 of the certificate's SubjectPublicKeyInfo DER, lowercase hex; empty on failure.
std::string SpkiFingerprint(X509* cert);

// What getpeerinfo shows about an encrypted link.
struct TlsLinkDetails {
  std::string version;      // "TLSv1.3"
  std::string cipher;       // "TLS_AES_256_GCM_SHA384"
  std::string fingerprint;  // the peer's SPKI SHA-256, empty if it sent no certificate
};

class TlsContext {
 public:
  // REQUIRES: options.cert_file and options.key_file set. Fails on unreadable or mismatched
  // files, a bad CA bundle or a malformed pin.
  [[nodiscard]] static TlsResult<std::shared_ptr<TlsContext>> Create(const TlsOptions& options);

  asio::ssl::context& native() { return context_; }
  const CertificateInfo& certificate() const { return certificate_; }
  bool has_ca() const { return has_ca_; }

  // Pins that apply to a peer at `ip` (and, outbound, the AddPeer target "host:port").
  std::vector<std::string> PinsFor(const std::string& ip, const std::string& target) const;
  // Configures one connection before its handshake. `verify`: check the peer's certificate
  // (validity always; chain when a CA is set); an inbound peer must then present one.
  void Prepare(SSL* ssl, bool server, bool verify) const;
  // After a successful handshake: nullopt if the peer passes, else why not.
  static std::optional<std::string> CheckPins(SSL* ssl, const std::vector<std::string>& pins);
  // After a failed handshake: OpenSSL's verification verdict, if that was the cause.
  static std::optional<std::string> VerifyFailure(SSL* ssl);
  static TlsLinkDetails Describe(SSL* ssl);

 private:
  TlsContext() = default;

  asio::ssl::context context_{asio::ssl::context::tls};
  CertificateInfo certificate_;
  bool has_ca_ = false;
  std::vector<std::string> pins_;  // normalized
  std::map<std::string, std::vector<std::string>, std::less<>> peer_pins_;
};

}  // namespace parthenon::p2p::transport

// SSL_CTX policy, verification callbacks and pin checks.
#include "p2p/transport/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>

namespace parthenon::p2p::transport {
namespace {

// TLS 1.2: forward-secret ECDHE key exchange with AEAD ciphers only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* kTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

std::unexpected<TlsError> Fail(TlsErrorCode code, std::string detail) {
  ERR_clear_error();
  return std::unexpected(TlsError{code, std::move(detail)});
}

int AcceptAny(int, X509_STORE_CTX*) { return 1; }

// Without a CA bundle, trust comes from pins: chain errors of a self-signed certificate are
// accepted, everything else (expiry, not yet valid, bad signature) is not.
int VerifyWithoutCa(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok) return 1;
  switch (X509_STORE_CTX_get_error(store)) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return 1;
    default:
      return 0;
  }
}

int VerifyWithCa(int preverify_ok, X509_STORE_CTX*) { return preverify_ok; }

}  // namespace

TlsResult<std::shared_ptr<TlsContext>> TlsContext::Create(const TlsOptions& options) {
  auto info = LoadCertificateInfo(options.cert_file, options.key_file);
  if (!info) return std::unexpected(info.error());
  std::shared_ptr<TlsContext> self(new TlsContext());
  self->certificate_ = std::move(*info);
  SSL_CTX* ctx = self->context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return Fail(TlsErrorCode::kOpenSsl, "cipher or group configuration");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
    return Fail(TlsErrorCode::kBadCertificate, options.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Fail(TlsErrorCode::kBadKey, options.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Fail(TlsErrorCode::kKeyMismatch, options.key_file);
  }
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
      return Fail(TlsErrorCode::kBadCa, options.ca_file);
    }
    self->has_ca_ = true;
  }
  // Inbound peers are asked for a certificate so their fingerprint is known; whether it is
  // checked is decided per connection in Prepare().
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAny);
  for (const auto& pin : options.pins) {
    auto normalized = NormalizePin(pin);
    if (!normalized) return Fail(TlsErrorCode::kBadPin, pin);
    self->pins_.push_back(*normalized);
  }
  for (const auto& [peer, pins] : options.peer_pins) {
    for (const auto& pin : pins) {
      auto normalized = NormalizePin(pin);
      if (!normalized) return Fail(TlsErrorCode::kBadPin, pin);
      self->peer_pins_[peer].push_back(*normalized);
    }
  }
  return self;
}

std::vector<std::string> TlsContext::PinsFor(const std::string& ip,
                                             const std::string& target) const {
  std::vector<std::string> pins = pins_;
  for (const auto& key : {ip, target}) {
    if (auto it = peer_pins_.find(key); !key.empty() && it != peer_pins_.end()) {
      pins.insert(pins.end(), it->second.begin(), it->second.end());
    }
  }
  return pins;
}

void TlsContext::Prepare(SSL* ssl, bool server, bool verify) const {
  if (!verify) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, AcceptAny);
    return;
  }
  const int mode = SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  SSL_set_verify(ssl, mode, has_ca_ ? VerifyWithCa : VerifyWithoutCa);
}

std::optional<std::string> TlsContext::CheckPins(SSL* ssl, const std::vector<std::string>& pins) {
  if (pins.empty()) return std::nullopt;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return "peer presented no certificate";
  const std::string fingerprint = SpkiFingerprint(cert);
  X509_free(cert);
  if (std::find(pins.begin(), pins.end(), fingerprint) != pins.end()) return std::nullopt;
  return "public key pin mismatch (peer key sha256:" + fingerprint + ")";
}

std::optional<std::string> TlsContext::VerifyFailure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return std::nullopt;
  return std::string("certificate verification failed: ") +
         X509_verify_cert_error_string(result);
}

TlsLinkDetails TlsContext::Describe(SSL* ssl) {
  TlsLinkDetails details;
  details.version = SSL_get_version(ssl);
  if (const char* cipher = SSL_get_cipher_name(ssl)) details.cipher = cipher;
  if (X509* cert = SSL_get1_peer_certificate(ssl)) {
    details.fingerprint = SpkiFingerprint(cert);
    X509_free(cert);
  }
  return details;
}

}  // namespace parthenon::p2p::transport

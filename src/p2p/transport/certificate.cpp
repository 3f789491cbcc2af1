// Self-signed identities, certificate descriptions and fingerprints on OpenSSL 3.
#include "p2p/transport/certificate.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fmt/format.h>
#include <memory>

#include "p2p/transport/tls_context.h"

namespace parthenon::p2p::transport {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::unexpected<TlsError> Fail(TlsErrorCode code, std::string detail) {
  return std::unexpected(TlsError{code, std::move(detail)});
}

std::string OpenSslReason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(e, buffer, sizeof buffer);
  return buffer;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return BioText(bio.get());
}

std::time_t ToTime(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return timegm(&tm);
}

// Writes `data` to path.tmp with `mode` and renames it over `path`.
TlsResult<void> WriteAtomically(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(TlsErrorCode::kIo, fmt::format("cannot create {}", tmp));
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(TlsErrorCode::kIo, fmt::format("cannot write {}", path));
  }
  return {};
}

X509Ptr ReadCertificate(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

std::string TlsError::ToString() const {
  std::string_view what = "?";
  switch (code) {
    case TlsErrorCode::kIo: what = "I/O error"; break;
    case TlsErrorCode::kBadCertificate: what = "bad certificate"; break;
    case TlsErrorCode::kBadKey: what = "bad private key"; break;
    case TlsErrorCode::kKeyMismatch: what = "key does not match certificate"; break;
    case TlsErrorCode::kBadCa: what = "bad CA bundle"; break;
    case TlsErrorCode::kBadPin: what = "bad pin"; break;
    case TlsErrorCode::kOpenSsl: what = "OpenSSL error"; break;
  }
  return detail.empty() ? std::string(what) : fmt::format("{}: {}", what, detail);
}

std::string_view ToString(TlsMode mode) {
  switch (mode) {
    case TlsMode::kOff: return "off";
    case TlsMode::kOptional: return "optional";
    case TlsMode::kRequired: return "required";
  }
  return "?";
}

std::optional<TlsMode> ParseTlsMode(std::string_view text) {
  if (text == "off") return TlsMode::kOff;
  if (text == "optional") return TlsMode::kOptional;
  if (text == "required") return TlsMode::kRequired;
  return std::nullopt;
}

std::string SpkiFingerprint(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (length <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  const int ok = EVP_Digest(der, static_cast<size_t>(length), digest, &digest_length,
                            EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return {};
  std::string hex;
  for (unsigned int i = 0; i < digest_length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::optional<std::string> NormalizePin(std::string_view pin) {
  if (pin.starts_with("sha256:") || pin.starts_with("SHA256:")) pin.remove_prefix(7);
  std::string hex;
  for (char c : pin) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64) return std::nullopt;
  return hex;
}

TlsResult<void> GenerateSelfSigned(const std::string& cert_path, const std::string& key_path,
                                   const SelfSignedOptions& options) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Fail(TlsErrorCode::kOpenSsl, OpenSslReason());
  X509Ptr cert(X509_new());
  unsigned char serial_bytes[16];
  if (!cert || RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) {
    return Fail(TlsErrorCode::kOpenSsl, OpenSslReason());
  }
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  const bool serial_ok = serial && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  const long offset = static_cast<long>(options.not_before_offset_days) * 86400;
  X509_NAME* name = X509_get_subject_name(cert.get());
  const bool ok =
      serial_ok && X509_set_version(cert.get(), 2) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), offset) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                      offset + static_cast<long>(options.days) * 86400) != nullptr &&
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1, -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 && X509_set_pubkey(cert.get(), key.get()) == 1 &&
      X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return Fail(TlsErrorCode::kOpenSsl, OpenSslReason());

  BioPtr key_bio(BIO_new(BIO_s_mem()));
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return Fail(TlsErrorCode::kOpenSsl, OpenSslReason());
  }
  // Key first: a watcher that sees the new certificate then finds its key in place.
  if (auto written = WriteAtomically(key_path, BioText(key_bio.get()), 0600); !written) {
    return written;
  }
  return WriteAtomically(cert_path, BioText(cert_bio.get()), 0644);
}

TlsResult<CertificateInfo> LoadCertificateInfo(const std::string& cert_path,
                                               const std::string& key_path) {
  X509Ptr cert = ReadCertificate(cert_path);
  if (!cert) {
    ERR_clear_error();
    return Fail(TlsErrorCode::kBadCertificate, cert_path);
  }
  CertificateInfo info;
  info.cert_path = cert_path;
  info.key_path = key_path;
  info.valid_from = ToTime(X509_get0_notBefore(cert.get()));
  info.valid_until = ToTime(X509_get0_notAfter(cert.get()));
  info.issuer = NameText(X509_get_issuer_name(cert.get()));
  info.subject = NameText(X509_get_subject_name(cert.get()));
  info.fingerprint = SpkiFingerprint(cert.get());
  if (!key_path.empty()) {
    BioPtr bio(BIO_new_file(key_path.c_str(), "r"));
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) {
      ERR_clear_error();
      return Fail(TlsErrorCode::kBadKey, key_path);
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      ERR_clear_error();
      return Fail(TlsErrorCode::kKeyMismatch, fmt::format("{} / {}", cert_path, key_path));
    }
  }
  return info;
}

TlsResult<Identity> EnsureIdentity(const std::filesystem::path& datadir,
                                   const std::optional<std::string>& cert_path,
                                   const std::optional<std::string>& key_path) {
  if (cert_path.has_value() != key_path.has_value()) {
    return Fail(TlsErrorCode::kIo, "--tls-cert and --tls-key must be given together");
  }
  if (cert_path) {
    if (auto info = LoadCertificateInfo(*cert_path, *key_path); !info) {
      return std::unexpected(info.error());
    }
    return Identity{*cert_path, *key_path, false};
  }
  const auto dir = datadir / "tls";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(TlsErrorCode::kIo, fmt::format("cannot create {}", dir.string()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  Identity identity{(dir / "cert.pem").string(), (dir / "key.pem").string(), false};
  if (LoadCertificateInfo(identity.cert_path, identity.key_path)) return identity;
  if (std::filesystem::exists(identity.cert_path) || std::filesystem::exists(identity.key_path)) {
    // Never overwrite an operator's (perhaps half-replaced) files silently.
    if (auto info = LoadCertificateInfo(identity.cert_path, identity.key_path); !info) {
      return std::unexpected(info.error());
    }
  }
  if (auto generated = GenerateSelfSigned(identity.cert_path, identity.key_path); !generated) {
    return std::unexpected(generated.error());
  }
  identity.generated = true;
  return identity;
}

}  // namespace parthenon::p2p::transport

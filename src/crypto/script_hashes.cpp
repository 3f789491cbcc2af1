#include "crypto/script_hashes.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace parthenon::crypto {
namespace {

Digest160 Digest20(const EVP_MD* md, util::ByteSpan data) {
  Digest160 out;
  unsigned int size = 0;
  // RIPEMD-160 is in OpenSSL 3's default provider again since 3.0.7; a missing digest is a
  // broken installation, not an input error.
  if (md == nullptr || EVP_Digest(data.data(), data.size(), util::WritableUChars(out), &size, md, nullptr) != 1 ||
      size != out.size()) {
    std::abort();
  }
  return out;
}

}  // namespace

Digest160 Ripemd160(util::ByteSpan data) { return Digest20(EVP_ripemd160(), data); }

Digest160 Sha1(util::ByteSpan data) { return Digest20(EVP_sha1(), data); }

Digest160 Hash160(util::ByteSpan data) { return Ripemd160(Sha256Hash(data)); }

}  // namespace parthenon::crypto

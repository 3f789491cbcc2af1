#include "crypto/schnorr.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>

#include "crypto/random.h"
#include "crypto/sha256.h"

namespace parthenon::crypto {
namespace {

static_assert(sizeof(secp256k1_keypair) == 96);

const secp256k1_context* Context() {
  static secp256k1_context* ctx = [] {
    secp256k1_context* created = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (created == nullptr) std::abort();
    std::array<std::byte, 32> seed;
    RandomBytes(seed);
    if (secp256k1_context_randomize(created, util::UChars(seed)) != 1) std::abort();
    OPENSSL_cleanse(seed.data(), seed.size());
    return created;
  }();
  return ctx;
}

const secp256k1_keypair* AsKeypair(const std::array<unsigned char, 96>& raw) {
  return reinterpret_cast<const secp256k1_keypair*>(raw.data());
}
secp256k1_keypair* AsKeypair(std::array<unsigned char, 96>& raw) {
  return reinterpret_cast<secp256k1_keypair*>(raw.data());
}

Digest TapTweakHash(const XOnlyPublicKey& internal_key, const std::optional<Uint256>& merkle_root) {
  static const TaggedHasher kTapTweak("TapTweak");
  Sha256 hasher = kTapTweak.Start();
  hasher.Write(internal_key);
  if (merkle_root) hasher.Write(merkle_root->span());
  return hasher.Finalize();
}

}  // namespace

std::string_view ToString(Error error) {
  switch (error) {
    case Error::kInvalidSecretKey:
      return "secret key is zero or not below the curve order";
    case Error::kInvalidPublicKey:
      return "public key is not a valid x-only secp256k1 key";
    case Error::kTweakFailed:
      return "key tweak failed (tweak out of range or result at infinity)";
    case Error::kSigningFailed:
      return "signing failed";
  }
  return "unknown crypto error";
}

Result<KeyPair> KeyPair::FromSecret(std::span<const std::byte, 32> secret) {
  KeyPair pair;
  if (secp256k1_keypair_create(Context(), AsKeypair(pair.keypair_), util::UChars(secret)) != 1) {
    return std::unexpected(Error::kInvalidSecretKey);
  }
  return pair;
}

KeyPair KeyPair::Generate() {
  for (;;) {
    SecretKey secret;
    RandomBytes(secret);
    auto pair = FromSecret(secret);
    OPENSSL_cleanse(secret.data(), secret.size());
    if (pair) return *pair;  // fails with probability ~2^-128
  }
}

KeyPair::~KeyPair() { OPENSSL_cleanse(keypair_.data(), keypair_.size()); }

XOnlyPublicKey KeyPair::PublicKey() const {
  secp256k1_xonly_pubkey xonly;
  if (secp256k1_keypair_xonly_pub(Context(), &xonly, nullptr, AsKeypair(keypair_)) != 1) {
    std::abort();  // cannot fail for a valid keypair
  }
  XOnlyPublicKey out;
  secp256k1_xonly_pubkey_serialize(Context(), util::WritableUChars(out), &xonly);
  return out;
}

SecretKey KeyPair::Secret() const {
  SecretKey out;
  if (secp256k1_keypair_sec(Context(), util::WritableUChars(out), AsKeypair(keypair_)) != 1) std::abort();
  return out;
}

SchnorrSignature KeyPair::Sign(util::ByteSpan message, std::span<const std::byte, 32> aux) const {
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  std::array<unsigned char, 32> aux_copy;
  std::memcpy(aux_copy.data(), aux.data(), aux_copy.size());
  params.ndata = aux_copy.data();
  SchnorrSignature sig;
  if (secp256k1_schnorrsig_sign_custom(Context(), util::WritableUChars(sig), util::UChars(message),
                                       message.size(), AsKeypair(keypair_), &params) != 1) {
    std::abort();  // cannot fail for a valid keypair
  }
  return sig;
}

SchnorrSignature KeyPair::Sign(util::ByteSpan message) const {
  std::array<std::byte, 32> aux;
  RandomBytes(aux);
  return Sign(message, aux);
}

Result<KeyPair> KeyPair::TapTweak(const std::optional<Uint256>& merkle_root) const {
  const Digest tweak = TapTweakHash(PublicKey(), merkle_root);
  KeyPair tweaked = *this;
  if (secp256k1_keypair_xonly_tweak_add(Context(), AsKeypair(tweaked.keypair_),
                                        util::UChars(tweak)) != 1) {
    return std::unexpected(Error::kTweakFailed);
  }
  return tweaked;
}

bool IsValidXOnlyKey(const XOnlyPublicKey& key) {
  secp256k1_xonly_pubkey parsed;
  return secp256k1_xonly_pubkey_parse(Context(), &parsed, util::UChars(key)) == 1;
}

bool VerifySchnorr(util::ByteSpan message, const XOnlyPublicKey& key, const SchnorrSignature& sig) {
  secp256k1_xonly_pubkey parsed;
  if (secp256k1_xonly_pubkey_parse(Context(), &parsed, util::UChars(key)) != 1) return false;
  return secp256k1_schnorrsig_verify(Context(), util::UChars(sig), util::UChars(message),
                                     message.size(), &parsed) == 1;
}

Result<TweakedKey> TapTweakWithParity(const XOnlyPublicKey& internal_key,
                                      const std::optional<Uint256>& merkle_root) {
  secp256k1_xonly_pubkey internal;
  if (secp256k1_xonly_pubkey_parse(Context(), &internal, util::UChars(internal_key)) != 1) {
    return std::unexpected(Error::kInvalidPublicKey);
  }
  const Digest tweak = TapTweakHash(internal_key, merkle_root);
  secp256k1_pubkey output;
  if (secp256k1_xonly_pubkey_tweak_add(Context(), &output, &internal, util::UChars(tweak)) != 1) {
    return std::unexpected(Error::kTweakFailed);
  }
  secp256k1_xonly_pubkey output_xonly;
  int parity = 0;
  if (secp256k1_xonly_pubkey_from_pubkey(Context(), &output_xonly, &parity, &output) != 1) {
    return std::unexpected(Error::kTweakFailed);
  }
  TweakedKey out;
  secp256k1_xonly_pubkey_serialize(Context(), util::WritableUChars(out.key), &output_xonly);
  out.odd_y = parity == 1;
  return out;
}

Result<XOnlyPublicKey> TapTweakPublicKey(const XOnlyPublicKey& internal_key,
                                         const std::optional<Uint256>& merkle_root) {
  auto tweaked = TapTweakWithParity(internal_key, merkle_root);
  if (!tweaked) return std::unexpected(tweaked.error());
  return tweaked->key;
}

bool VerifyTapTweak(const XOnlyPublicKey& internal_key, const Uint256& merkle_root,
                    const XOnlyPublicKey& output_key, bool odd_y) {
  secp256k1_xonly_pubkey internal;
  if (secp256k1_xonly_pubkey_parse(Context(), &internal, util::UChars(internal_key)) != 1) return false;
  const Digest tweak = TapTweakHash(internal_key, merkle_root);
  return secp256k1_xonly_pubkey_tweak_add_check(Context(), util::UChars(output_key), odd_y ? 1 : 0,
                                                &internal, util::UChars(tweak)) == 1;
}

}  // namespace parthenon::crypto

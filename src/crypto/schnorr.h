// BIP340 Schnorr signatures over secp256k1 through libsecp256k1, and the BIP341 key tweak.
//
// One secp256k1 context is created on first use, randomized (side-channel blinding) and then
// only read, so every function here is thread-safe. KeyPair is a thread-compatible value that
// wipes its secret when destroyed.
#pragma once

#include <array>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "crypto/uint256.h"
#include "util/bytes.h"

namespace parthenon::crypto {

enum class Error {
  kInvalidSecretKey,
  kInvalidPublicKey,
  kTweakFailed,
  kSigningFailed,
};
std::string_view ToString(Error error);

template <class T>
using Result = std::expected<T, Error>;

using XOnlyPublicKey = std::array<std::byte, 32>;
using SchnorrSignature = std::array<std::byte, 64>;
using SecretKey = std::array<std::byte, 32>;

class KeyPair {
 public:
  // Fails unless 0 < secret < curve order.
  [[nodiscard]] static Result<KeyPair> FromSecret(std::span<const std::byte, 32> secret);
  // A fresh key from the operating system's random source (through OpenSSL).
  static KeyPair Generate();

  KeyPair(const KeyPair&) = default;
  KeyPair& operator=(const KeyPair&) = default;
  ~KeyPair();

  XOnlyPublicKey PublicKey() const;
  SecretKey Secret() const;

  // BIP340 signature of `message` (any length) with auxiliary randomness `aux`.
  SchnorrSignature Sign(util::ByteSpan message, std::span<const std::byte, 32> aux) const;
  // As above with fresh auxiliary randomness.
  SchnorrSignature Sign(util::ByteSpan message) const;

  // BIP341 output key pair: tweaked by TaggedHash("TapTweak", internal key || merkle root).
  [[nodiscard]] Result<KeyPair> TapTweak(const std::optional<Uint256>& merkle_root) const;

 private:
  KeyPair() = default;
  std::array<unsigned char, 96> keypair_{};  // secp256k1_keypair
};

// True if `key` is the x coordinate of a point on the curve.
bool IsValidXOnlyKey(const XOnlyPublicKey& key);

// BIP340 verification; false for an invalid key or signature.
bool VerifySchnorr(util::ByteSpan message, const XOnlyPublicKey& key, const SchnorrSignature& sig);

// BIP341 output key of an internal key and an optional script-tree merkle root.
[[nodiscard]] Result<XOnlyPublicKey> TapTweakPublicKey(const XOnlyPublicKey& internal_key,
                                                       const std::optional<Uint256>& merkle_root);

// The output key as above with the parity of its y coordinate (odd: true), which a BIP341
// control block records.
struct TweakedKey {
  XOnlyPublicKey key;
  bool odd_y = false;
};
[[nodiscard]] Result<TweakedKey> TapTweakWithParity(const XOnlyPublicKey& internal_key,
                                                    const std::optional<Uint256>& merkle_root);

// BIP341 script-path commitment check: true if `output_key` with y parity `odd_y` equals
// `internal_key` + TapTweak(internal_key || merkle_root)·G. False for an invalid internal key.
bool VerifyTapTweak(const XOnlyPublicKey& internal_key, const Uint256& merkle_root,
                    const XOnlyPublicKey& output_key, bool odd_y);

}  // namespace parthenon::crypto

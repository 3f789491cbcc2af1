// A 256-bit opaque value: block hashes, txids, merkle roots. Stored in internal (serialization)
// byte order; displayed, as Bitcoin does, as hex of the bytes in reverse order.
// Thread-compatible value type.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace parthenon::crypto {

class Uint256 {
 public:
  static constexpr size_t kSize = 32;

  constexpr Uint256() = default;
  explicit Uint256(std::span<const std::byte, kSize> bytes) {
    std::memcpy(data_.data(), bytes.data(), kSize);
  }
  explicit Uint256(const std::array<std::byte, kSize>& bytes) : data_(bytes) {}

  // From internal-order bytes; nullopt unless exactly 32 bytes.
  static std::optional<Uint256> FromBytes(util::ByteSpan bytes);
  // From display hex (byte-reversed, as printed by Bitcoin tools); nullopt unless 64 hex digits.
  static std::optional<Uint256> FromHex(std::string_view hex);

  // Display hex: bytes reversed.
  std::string ToHex() const;

  bool IsNull() const { return data_ == std::array<std::byte, kSize>{}; }
  util::ByteSpan span() const { return data_; }
  util::MutableByteSpan span() { return data_; }
  const std::byte* data() const { return data_.data(); }
  std::byte* data() { return data_.data(); }
  const std::array<std::byte, kSize>& array() const { return data_; }

  // Byte-wise order (not numeric); use ArithUint256 for numeric comparisons.
  auto operator<=>(const Uint256&) const = default;

  // The first 8 bytes as an integer: hashes are uniformly distributed, so this is a good hash
  // table key for values an attacker cannot choose (use a salted hasher otherwise).
  uint64_t Cheap64() const { return util::ReadLE<uint64_t>(data_.data()); }

 private:
  std::array<std::byte, kSize> data_{};
};

}  // namespace parthenon::crypto

template <>
struct std::hash<parthenon::crypto::Uint256> {
  size_t operator()(const parthenon::crypto::Uint256& value) const noexcept {
    return static_cast<size_t>(value.Cheap64());
  }
};

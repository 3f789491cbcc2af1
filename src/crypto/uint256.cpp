#include "crypto/uint256.h"

#include <algorithm>

#include "util/hex.h"

namespace parthenon::crypto {

std::optional<Uint256> Uint256::FromBytes(util::ByteSpan bytes) {
  if (bytes.size() != kSize) return std::nullopt;
  return Uint256(bytes.first<kSize>());
}

std::optional<Uint256> Uint256::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return std::nullopt;
  auto bytes = util::FromHex(hex);
  if (!bytes) return std::nullopt;
  std::reverse(bytes->begin(), bytes->end());
  return FromBytes(*bytes);
}

std::string Uint256::ToHex() const {
  std::array<std::byte, kSize> reversed = data_;
  std::reverse(reversed.begin(), reversed.end());
  return util::ToHex(reversed);
}

}  // namespace parthenon::crypto

#include "util/hex.h"

#include <cassert>

namespace parthenon::util {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view ToString(HexError error) {
  switch (error) {
    case HexError::kOddLength:
      return "hex string has an odd number of digits";
    case HexError::kInvalidCharacter:
      return "hex string has a character that is not a hex digit";
  }
  return "unknown hex error";
}

std::string ToHex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = std::to_integer<unsigned>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

std::expected<Bytes, HexError> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::unexpected(HexError::kOddLength);
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::unexpected(HexError::kInvalidCharacter);
    out[i] = static_cast<std::byte>((hi << 4) | lo);
  }
  return out;
}

Bytes HexToBytes(std::string_view hex) {
  auto bytes = FromHex(hex);
  assert(bytes.has_value() && "HexToBytes: invalid hex constant");
  return bytes ? std::move(*bytes) : Bytes{};
}

}  // namespace parthenon::util

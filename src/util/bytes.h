// Byte buffers and views, and little-endian integer access.
// Header-only; every function is thread-safe (no shared state).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace parthenon::util {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);

using Bytes = std::vector<std::byte>;
using ByteSpan = std::span<const std::byte>;
using MutableByteSpan = std::span<std::byte>;

// Views of text as bytes and back. The view lives as long as the viewed object.
inline ByteSpan AsBytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}
inline std::string_view AsChars(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline Bytes ToBytes(ByteSpan bytes) { return {bytes.begin(), bytes.end()}; }
inline Bytes ToBytes(std::string_view text) { return ToBytes(AsBytes(text)); }

// For C APIs (OpenSSL, libsecp256k1) that take unsigned char.
inline const unsigned char* UChars(ByteSpan bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}
inline unsigned char* WritableUChars(MutableByteSpan bytes) {
  return reinterpret_cast<unsigned char*>(bytes.data());
}

template <std::unsigned_integral T>
constexpr T ToLittleEndian(T value) {
  if constexpr (std::endian::native == std::endian::little) {
    return value;
  } else {
    return std::byteswap(value);
  }
}

// REQUIRES: `in` holds at least sizeof(T) bytes.
template <std::unsigned_integral T>
T ReadLE(const std::byte* in) {
  T value;
  std::memcpy(&value, in, sizeof(T));
  return ToLittleEndian(value);
}

// REQUIRES: `out` has room for sizeof(T) bytes.
template <std::unsigned_integral T>
void WriteLE(std::byte* out, T value) {
  value = ToLittleEndian(value);
  std::memcpy(out, &value, sizeof(T));
}

template <std::unsigned_integral T>
T ReadBE(const std::byte* in) {
  T value;
  std::memcpy(&value, in, sizeof(T));
  if constexpr (std::endian::native == std::endian::little) value = std::byteswap(value);
  return value;
}

template <std::unsigned_integral T>
void WriteBE(std::byte* out, T value) {
  if constexpr (std::endian::native == std::endian::little) value = std::byteswap(value);
  std::memcpy(out, &value, sizeof(T));
}

}  // namespace parthenon::util

// Unsigned 256-bit arithmetic for proof-of-work targets and chain work. Values wrap modulo 2^256,
// like Bitcoin's arith_uint256. Thread-compatible value type.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "crypto/uint256.h"

namespace parthenon::crypto {

class ArithUint256 {
 public:
  constexpr ArithUint256() = default;
  constexpr explicit ArithUint256(uint64_t value) : limbs_{value, 0, 0, 0} {}

  // Interprets the 32 bytes of a hash as a little-endian number (Bitcoin's convention).
  static ArithUint256 FromUint256(const Uint256& value);
  Uint256 ToUint256() const;

  // Decodes Bitcoin's compact "nBits" form: 1 byte exponent, sign bit, 23-bit mantissa.
  struct Compact;
  static Compact FromCompact(uint32_t bits);
  // Encodes to compact form (never sets the sign bit).
  uint32_t ToCompact() const;

  // Number of significant bits (0 for zero).
  unsigned Bits() const;
  bool IsZero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  uint64_t Low64() const { return limbs_[0]; }
  // Hex, most significant digit first, 64 digits.
  std::string ToHex() const;

  ArithUint256& operator+=(const ArithUint256& other);
  ArithUint256& operator-=(const ArithUint256& other);
  ArithUint256& operator*=(uint64_t factor);
  ArithUint256& operator/=(const ArithUint256& divisor);  // REQUIRES: divisor != 0
  ArithUint256& operator<<=(unsigned shift);
  ArithUint256& operator>>=(unsigned shift);
  ArithUint256 operator~() const;

  friend ArithUint256 operator+(ArithUint256 a, const ArithUint256& b) { return a += b; }
  friend ArithUint256 operator-(ArithUint256 a, const ArithUint256& b) { return a -= b; }
  friend ArithUint256 operator*(ArithUint256 a, uint64_t b) { return a *= b; }
  friend ArithUint256 operator/(ArithUint256 a, const ArithUint256& b) { return a /= b; }
  friend ArithUint256 operator<<(ArithUint256 a, unsigned shift) { return a <<= shift; }
  friend ArithUint256 operator>>(ArithUint256 a, unsigned shift) { return a >>= shift; }

  friend std::strong_ordering operator<=>(const ArithUint256& a, const ArithUint256& b);
  friend bool operator==(const ArithUint256& a, const ArithUint256& b) = default;

 private:
  std::array<uint64_t, 4> limbs_{};  // least significant first
};

struct ArithUint256::Compact {
  ArithUint256 value;
  bool negative = false;  // sign bit set with a non-zero mantissa
  bool overflow = false;  // the value does not fit in 256 bits
};

}  // namespace parthenon::crypto

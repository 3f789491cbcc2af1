#include "crypto/arith_uint256.h"

#include <cassert>

namespace parthenon::crypto {
namespace {
__extension__ using U128 = unsigned __int128;  // GCC and clang; 64x64->128 products
}  // namespace

ArithUint256 ArithUint256::FromUint256(const Uint256& value) {
  ArithUint256 out;
  for (size_t i = 0; i < 4; ++i) out.limbs_[i] = util::ReadLE<uint64_t>(value.data() + 8 * i);
  return out;
}

Uint256 ArithUint256::ToUint256() const {
  Uint256 out;
  for (size_t i = 0; i < 4; ++i) util::WriteLE<uint64_t>(out.data() + 8 * i, limbs_[i]);
  return out;
}

ArithUint256::Compact ArithUint256::FromCompact(uint32_t bits) {
  const unsigned size = bits >> 24;
  uint32_t word = bits & 0x007fffff;
  Compact out;
  if (size <= 3) {
    word >>= 8 * (3 - size);
    out.value = ArithUint256(word);
  } else {
    out.value = ArithUint256(word);
    out.value <<= 8 * (size - 3);
  }
  out.negative = word != 0 && (bits & 0x00800000) != 0;
  out.overflow = word != 0 && ((size > 34) || (word > 0xff && size > 33) ||
                               (word > 0xffff && size > 32));
  return out;
}

uint32_t ArithUint256::ToCompact() const {
  unsigned size = (Bits() + 7) / 8;
  uint32_t compact;
  if (size <= 3) {
    compact = static_cast<uint32_t>(Low64() << 8 * (3 - size));
  } else {
    compact = static_cast<uint32_t>((*this >> 8 * (size - 3)).Low64());
  }
  // The mantissa's top bit is the sign bit: if set, shift one byte into the exponent.
  if (compact & 0x00800000) {
    compact >>= 8;
    ++size;
  }
  return compact | (size << 24);
}

unsigned ArithUint256::Bits() const {
  for (int i = 3; i >= 0; --i) {
    if (limbs_[i] != 0) return 64 * static_cast<unsigned>(i) + 64 - std::countl_zero(limbs_[i]);
  }
  return 0;
}

std::string ArithUint256::ToHex() const { return ToUint256().ToHex(); }

ArithUint256& ArithUint256::operator+=(const ArithUint256& other) {
  U128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<U128>(limbs_[i]) + other.limbs_[i];
    limbs_[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  return *this;
}

ArithUint256& ArithUint256::operator-=(const ArithUint256& other) {
  ArithUint256 negated = ~other;
  negated += ArithUint256(1);
  return *this += negated;
}

ArithUint256& ArithUint256::operator*=(uint64_t factor) {
  U128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<U128>(limbs_[i]) * factor;
    limbs_[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  return *this;
}

ArithUint256& ArithUint256::operator/=(const ArithUint256& divisor) {
  assert(!divisor.IsZero() && "division by zero");
  ArithUint256 remainder = *this;
  ArithUint256 quotient;
  const unsigned divisor_bits = divisor.Bits();
  const unsigned dividend_bits = remainder.Bits();
  if (divisor.IsZero() || dividend_bits < divisor_bits) {
    *this = quotient;
    return *this;
  }
  unsigned shift = dividend_bits - divisor_bits;
  ArithUint256 shifted = divisor << shift;
  for (;;) {
    if (remainder >= shifted) {
      remainder -= shifted;
      quotient.limbs_[shift / 64] |= uint64_t{1} << (shift % 64);
    }
    if (shift == 0) break;
    shifted >>= 1;
    --shift;
  }
  *this = quotient;
  return *this;
}

ArithUint256& ArithUint256::operator<<=(unsigned shift) {
  if (shift >= 256) return *this = ArithUint256();
  const unsigned limb_shift = shift / 64;
  const unsigned bit_shift = shift % 64;
  std::array<uint64_t, 4> out{};
  for (unsigned i = limb_shift; i < 4; ++i) {
    out[i] = limbs_[i - limb_shift] << bit_shift;
    if (bit_shift != 0 && i > limb_shift) out[i] |= limbs_[i - limb_shift - 1] >> (64 - bit_shift);
  }
  limbs_ = out;
  return *this;
}

ArithUint256& ArithUint256::operator>>=(unsigned shift) {
  if (shift >= 256) return *this = ArithUint256();
  const unsigned limb_shift = shift / 64;
  const unsigned bit_shift = shift % 64;
  std::array<uint64_t, 4> out{};
  for (unsigned i = 0; i + limb_shift < 4; ++i) {
    out[i] = limbs_[i + limb_shift] >> bit_shift;
    if (bit_shift != 0 && i + limb_shift + 1 < 4) {
      out[i] |= limbs_[i + limb_shift + 1] << (64 - bit_shift);
    }
  }
  limbs_ = out;
  return *this;
}

ArithUint256 ArithUint256::operator~() const {
  ArithUint256 out;
  for (size_t i = 0; i < 4; ++i) out.limbs_[i] = ~limbs_[i];
  return out;
}

std::strong_ordering operator<=>(const ArithUint256& a, const ArithUint256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] <=> b.limbs_[i];
  }
  return std::strong_ordering::equal;
}

}  // namespace parthenon::crypto

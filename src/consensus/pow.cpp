#include "consensus/pow.h"

#include <algorithm>

namespace parthenon::consensus {

Result<crypto::ArithUint256> DecodeTarget(uint32_t bits, const ChainParams& params) {
  const auto compact = crypto::ArithUint256::FromCompact(bits);
  if (compact.negative || compact.overflow || compact.value.IsZero() ||
      compact.value > params.pow_limit) {
    return std::unexpected(Error::kBadDiffBits);
  }
  return compact.value;
}

Result<void> CheckProofOfWork(const crypto::Uint256& hash, uint32_t bits, const ChainParams& params) {
  auto target = DecodeTarget(bits, params);
  if (!target) return std::unexpected(target.error());
  if (crypto::ArithUint256::FromUint256(hash) > *target) return std::unexpected(Error::kHighHash);
  return {};
}

bool IsRetargetHeight(int64_t height, const ChainParams& params) {
  return !params.no_retargeting && height > 0 && height % params.retarget_interval == 0;
}

uint32_t NextTargetBits(uint32_t last_bits, int64_t first_time, int64_t last_time,
                        const ChainParams& params) {
  if (params.no_retargeting) return last_bits;
  const int64_t expected = (params.retarget_interval - 1) * params.target_spacing;
  const int64_t actual = std::clamp(last_time - first_time, expected / 4, expected * 4);
  const crypto::ArithUint256 old_target = crypto::ArithUint256::FromCompact(last_bits).value;
  // floor(old × actual / expected), exactly and without overflowing 256 bits for targets up to
  // 2^254: with old = q × expected + r, it is q × actual + floor(r × actual / expected).
  const crypto::ArithUint256 divisor(static_cast<uint64_t>(expected));
  const crypto::ArithUint256 quotient = old_target / divisor;
  const crypto::ArithUint256 remainder = old_target - quotient * static_cast<uint64_t>(expected);
  crypto::ArithUint256 target = quotient * static_cast<uint64_t>(actual) +
                                (remainder * static_cast<uint64_t>(actual)) / divisor;
  if (target > params.pow_limit) target = params.pow_limit;
  return target.ToCompact();
}

crypto::ArithUint256 BlockWork(uint32_t bits) {
  const auto compact = crypto::ArithUint256::FromCompact(bits);
  if (compact.negative || compact.overflow || compact.value.IsZero()) return {};
  // 2^256 / (target + 1) == ~target / (target + 1) + 1, computed without a 257-bit number.
  return (~compact.value / (compact.value + crypto::ArithUint256(1))) + crypto::ArithUint256(1);
}

}  // namespace parthenon::consensus

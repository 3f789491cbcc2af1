#include "crypto/parallel_verifier.h"

#include <algorithm>
#include <memory>

namespace parthenon::crypto {

std::vector<size_t> ParallelVerifier::VerifyEach(size_t count,
                                                 const std::function<bool(size_t)>& check) const {
  // One flag per index, written by exactly one thread each.
  auto ok = std::make_unique<bool[]>(count);
  // Small grains balance the load; a grain costs one atomic increment per ~16 checks.
  const size_t grain = std::clamp<size_t>(count / (8 * pool_.Parallelism()), 1, 16);
  pool_.ParallelFor(count, grain, [&](size_t i) { ok[i] = check(i); });
  std::vector<size_t> failed;
  for (size_t i = 0; i < count; ++i) {
    if (!ok[i]) failed.push_back(i);
  }
  return failed;
}

std::vector<size_t> ParallelVerifier::Verify(std::span<const SchnorrCheck> checks) const {
  return VerifyEach(checks.size(), [&](size_t i) {
    return VerifySchnorr(checks[i].message, checks[i].key, checks[i].signature);
  });
}

}  // namespace parthenon::crypto

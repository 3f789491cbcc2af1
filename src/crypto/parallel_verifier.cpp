#include "crypto/parallel_verifier.h"

#include <algorithm>
#include <memory>

namespace parthenon::crypto {

std::vector<size_t> ParallelVerifier::Verify(std::span<const SchnorrCheck> checks) const {
  // One flag per check, written by exactly one thread each; no sharing of cache lines matters
  // at ~40 µs per verification.
  auto ok = std::make_unique<bool[]>(checks.size());
  // Small grains balance the load; a grain costs one atomic increment per ~16 verifications.
  const size_t grain = std::clamp<size_t>(checks.size() / (8 * pool_.Parallelism()), 1, 16);
  pool_.ParallelFor(checks.size(), grain, [&](size_t i) {
    const SchnorrCheck& check = checks[i];
    ok[i] = VerifySchnorr(check.message, check.key, check.signature);
  });
  std::vector<size_t> failed;
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!ok[i]) failed.push_back(i);
  }
  return failed;
}

}  // namespace parthenon::crypto

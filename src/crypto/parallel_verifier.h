// Checks batches of BIP340 signatures across a worker pool and reports which failed.
// Used by block validation so a block's signatures are checked on all cores.
//
// Thread-safety: thread-safe; concurrent Verify calls share the pool.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "crypto/schnorr.h"
#include "util/thread_pool.h"

namespace parthenon::crypto {

// One signature check. The message is the 32-byte BIP341 signature hash.
struct SchnorrCheck {
  std::array<std::byte, 32> message;
  XOnlyPublicKey key;
  SchnorrSignature signature;
};

class ParallelVerifier {
 public:
  // Uses `pool` (which must outlive the verifier) plus the calling thread.
  explicit ParallelVerifier(util::ThreadPool& pool) : pool_(pool) {}

  // Verifies every check; returns the indices of the failed ones, ascending (empty: all valid).
  std::vector<size_t> Verify(std::span<const SchnorrCheck> checks) const;

  // True if every check verifies. Same work as Verify (no early exit: a block with one bad
  // signature is as expensive to reject as a good block is to accept).
  bool VerifyAll(std::span<const SchnorrCheck> checks) const { return Verify(checks).empty(); }

  // Runs `check(i)` for every i in [0, count) across the pool and the calling thread; returns
  // the indices where it returned false, ascending. For checks whose preparation (e.g. computing
  // a signature hash) is worth spreading too. `check` must be safe to call concurrently.
  std::vector<size_t> VerifyEach(size_t count, const std::function<bool(size_t)>& check) const;

 private:
  util::ThreadPool& pool_;
};

}  // namespace parthenon::crypto

// Throughput of the hashing and signature checks that bound block validation and header sync:
// SHA256d of 80-byte headers, single-core BIP340 verification and the ParallelVerifier on all
// cores. scripts/bench-table.sh compares these with ../shared/tools/limits (dsha_bench and
// secp_bench).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "crypto/parallel_verifier.h"
#include "crypto/schnorr.h"
#include "crypto/sha256.h"
#include "primitives/block.h"
#include "util/bytes.h"
#include "util/thread_pool.h"

namespace parthenon {
namespace {

// Distinct keys and messages, so neither libsecp256k1 nor the CPU caches can profit from
// verifying the same signature again (as a block's signatures would not allow either).
constexpr size_t kSingleCoreKeys = 1000;
constexpr size_t kLargestBatch = 4000;

// Signatures are made once per process: signing 4000 messages takes ~0.3 s, which would
// otherwise be repeated for every benchmark and repetition.
const std::vector<crypto::SchnorrCheck>& Checks() {
  static const std::vector<crypto::SchnorrCheck> checks = [] {
    // A fixed seed: messages only need to differ, not to be secret.
    std::mt19937_64 rng(20261121);
    std::vector<crypto::SchnorrCheck> out(kLargestBatch);
    for (crypto::SchnorrCheck& check : out) {
      for (std::byte& b : check.message) b = std::byte(rng() & 0xff);
      const crypto::KeyPair key = crypto::KeyPair::Generate();
      check.key = key.PublicKey();
      check.signature = key.Sign(check.message);
    }
    return out;
  }();
  return checks;
}

// An arbitrary version-2 header, fixed so runs are comparable.
std::array<std::byte, primitives::BlockHeader::kSize> SampleHeaderBytes() {
  std::array<std::byte, primitives::BlockHeader::kSize> header{};
  for (size_t i = 0; i < header.size(); ++i) header[i] = std::byte(i * 7 + 1);
  return header;
}

void BM_Sha256dHeader(benchmark::State& state) {
  auto header = SampleHeaderBytes();
  uint32_t nonce = 0;
  for (auto _ : state) {
    // A new nonce each time, as a miner or header-sync would hash: no repeated input.
    util::WriteLE<uint32_t>(header.data() + 76, nonce++);
    benchmark::DoNotOptimize(crypto::Sha256d(header));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Sha256dHeader);

// Same hash through the header type: adds SerializeHeader's copy into an array.
void BM_BlockHeaderHash(benchmark::State& state) {
  primitives::BlockHeader header;
  header.version = 2;
  header.time = 1700000000;
  header.bits = 0x1d00ffff;
  for (auto _ : state) {
    ++header.nonce;
    benchmark::DoNotOptimize(header.Hash());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BlockHeaderHash);

// One core; VerifySchnorr parses the x-only key on every call, so the matching hardware limit
// is secp_bench's parse+verify rate.
void BM_VerifySchnorr(benchmark::State& state) {
  const std::span<const crypto::SchnorrCheck> checks =
      std::span(Checks()).first(kSingleCoreKeys);
  size_t i = 0;
  size_t failures = 0;
  for (auto _ : state) {
    const crypto::SchnorrCheck& check = checks[i];
    const bool ok = crypto::VerifySchnorr(check.message, check.key, check.signature);
    failures += ok ? 0 : 1;
    i = i + 1 == checks.size() ? 0 : i + 1;
  }
  // A benchmark of a verifier that rejects good signatures would measure the wrong thing.
  if (failures != 0) state.SkipWithError("a valid signature failed to verify");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_VerifySchnorr);

// All cores: DefaultThreadCount() - 1 workers, because the calling thread takes a share of
// the work inside ParallelFor. Arg = batch size (a full block has a few thousand signatures).
void BM_ParallelVerifier(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const std::span<const crypto::SchnorrCheck> checks = std::span(Checks()).first(batch);
  util::ThreadPool pool(util::DefaultThreadCount() - 1);
  const crypto::ParallelVerifier verifier(pool);
  size_t failures = 0;
  for (auto _ : state) {
    failures += verifier.Verify(checks).size();
  }
  if (failures != 0) state.SkipWithError("a valid signature failed to verify");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.counters["parallelism"] = static_cast<double>(pool.Parallelism());
}
// Real time: the work happens on other threads, so the main thread's CPU time understates it.
BENCHMARK(BM_ParallelVerifier)
    ->Arg(1000)
    ->Arg(kLargestBatch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parthenon

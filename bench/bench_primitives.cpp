// Cost of the per-block work a node does before any script or signature check: decoding a
// real 1 MB mainnet block (block413567: 999,887 bytes, 1557 transactions), serializing it,
// hashing every transaction and building its merkle root.
//
// The block is read from $PARTHENON_VECTORS_DIR/block413567.raw, else from
// <source dir>/../shared/vectors/. It is not copied into the project (shared/vectors/README.md);
// without it these benchmarks report an error and the others still run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "primitives/block.h"
#include "primitives/merkle.h"
#include "primitives/transaction.h"
#include "util/bytes.h"

namespace parthenon {
namespace {

constexpr char kBlockFile[] = "block413567.raw";

std::filesystem::path VectorsDir() {
  if (const char* dir = std::getenv("PARTHENON_VECTORS_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(PARTHENON_SOURCE_DIR) / ".." / "shared" / "vectors";
}

struct BlockFixture {
  util::Bytes raw;
  primitives::Block block;
};

// Either the block (bytes and decoded form) or why it could not be loaded.
struct LoadedBlock {
  std::optional<BlockFixture> fixture;
  std::string error;
};

LoadedBlock ReadBlockFile() {
  const std::filesystem::path path = VectorsDir() / kBlockFile;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return {std::nullopt, "cannot open " + path.string() +
                              " (set PARTHENON_VECTORS_DIR to the folder holding " + kBlockFile +
                              ")"};
  }
  const std::string contents{std::istreambuf_iterator<char>(file), {}};
  BlockFixture out{util::ToBytes(contents), {}};
  auto block = primitives::DecodeBlock(out.raw);
  if (!block) {
    return {std::nullopt, path.string() + " does not decode: " +
                              std::string(primitives::ToString(block.error()))};
  }
  out.block = std::move(*block);
  return {std::move(out), {}};
}

// Loaded once per process: every benchmark and repetition shares it.
const LoadedBlock& Block() {
  static const LoadedBlock loaded = ReadBlockFile();
  return loaded;
}

// The fixture, or nullptr after telling the benchmark why it cannot run.
const BlockFixture* BlockOrSkip(benchmark::State& state) {
  const LoadedBlock& loaded = Block();
  if (!loaded.fixture) {
    state.SkipWithError(loaded.error.c_str());
    return nullptr;
  }
  return &*loaded.fixture;
}

int64_t TxCount(const BlockFixture& fixture) {
  return static_cast<int64_t>(fixture.block.transactions.size());
}

void BM_DecodeBlock(benchmark::State& state) {
  const BlockFixture* fixture = BlockOrSkip(state);
  if (fixture == nullptr) return;
  for (auto _ : state) {
    auto block = primitives::DecodeBlock(fixture->raw);
    benchmark::DoNotOptimize(block);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(fixture->raw.size()));
  state.SetItemsProcessed(state.iterations() * TxCount(*fixture));
}
BENCHMARK(BM_DecodeBlock)->Unit(benchmark::kMicrosecond);

void BM_SerializeBlock(benchmark::State& state) {
  const BlockFixture* fixture = BlockOrSkip(state);
  if (fixture == nullptr) return;
  for (auto _ : state) {
    util::Bytes bytes = primitives::Serialize(fixture->block);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(fixture->raw.size()));
  state.SetItemsProcessed(state.iterations() * TxCount(*fixture));
}
BENCHMARK(BM_SerializeBlock)->Unit(benchmark::kMicrosecond);

// Both ids of every transaction, as relay and the mempool need them (the block is pre-segwit,
// so the wtxid hashes the same bytes again: this is the cost for a legacy block).
void BM_TxidAndWtxid(benchmark::State& state) {
  const BlockFixture* fixture = BlockOrSkip(state);
  if (fixture == nullptr) return;
  for (auto _ : state) {
    for (const primitives::Transaction& tx : fixture->block.transactions) {
      benchmark::DoNotOptimize(primitives::Txid(tx));
      benchmark::DoNotOptimize(primitives::Wtxid(tx));
    }
  }
  state.SetItemsProcessed(state.iterations() * TxCount(*fixture));
}
BENCHMARK(BM_TxidAndWtxid)->Unit(benchmark::kMicrosecond);

// Includes computing the txids, as block validation must (they are not cached in Transaction).
void BM_BlockMerkleRoot(benchmark::State& state) {
  const BlockFixture* fixture = BlockOrSkip(state);
  if (fixture == nullptr) return;
  bool matches = true;
  for (auto _ : state) {
    const primitives::MerkleRoot root = primitives::BlockMerkleRoot(fixture->block);
    matches = matches && root.root == fixture->block.header.merkle_root && !root.mutated;
  }
  if (!matches) state.SkipWithError("merkle root does not match the header");
  state.SetItemsProcessed(state.iterations() * TxCount(*fixture));
}
BENCHMARK(BM_BlockMerkleRoot)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace parthenon

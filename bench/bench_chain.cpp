// Chain layer throughput: connecting blocks of 1,000 one-input transactions (signatures per second,
// to compare with the ParallelVerifier's own rate on the same threads, and blocks per second),
// UTXO lookups from the write-back cache and from RocksDB, and the flat block store.
#include <benchmark/benchmark.h>

#include <random>

#include "chain/chainstate.h"
#include "chain/coins.h"
#include "chain/test_chain.h"
#include "consensus/input_check.h"
#include "crypto/parallel_verifier.h"
#include "primitives/merkle.h"
#include "storage/database.h"
#include "storage/flat_file_store.h"
#include "util/logging.h"
#include "util/thread_pool.h"

namespace parthenon {
namespace {

using chain::testing::PayTo;
using chain::testing::SignedTx;
using chain::testing::Spendable;

constexpr int kTxPerBlock = 1000;
constexpr int kFundedBlocks = 12;

// A block on `prev` at `height` holding `txs`, with coinbase, commitment, merkle root and PoW.
primitives::Block MakeBlock(const chain::Chainstate& chainstate, std::vector<primitives::Transaction> txs,
                            consensus::Amount fees, const crypto::KeyPair& key) {
  auto tmpl = chainstate.CreateBlockTemplate(PayTo(key)).value();
  primitives::Block& block = tmpl.block;
  block.transactions.resize(1);
  for (auto& tx : txs) block.transactions.push_back(std::move(tx));
  auto& coinbase = block.transactions[0];  // after the pushes: they reallocate
  coinbase.outputs.resize(1);
  coinbase.outputs[0].value += fees;
  coinbase.inputs[0].witness = {util::Bytes(32)};
  const auto commitment = primitives::ComputeWitnessCommitment(
      primitives::BlockWitnessMerkleRoot(block).root, coinbase.inputs[0].witness[0]);
  coinbase.outputs.push_back({.value = 0, .script_pubkey = primitives::WitnessCommitmentScript(commitment)});
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  return chain::MineBlock(block, chainstate.params()).value();
}

// A chain with kFundedBlocks × 1,000 mature outputs, and the blocks spending them (one each).
struct ConnectFixture {
  chain::testing::TestChain chain;
  std::vector<primitives::Block> spend_blocks;
  ConnectFixture() {
    util::Log(util::LogCategory::kChain).set_level(spdlog::level::warn);
    chain.mempool.max_tx_weight = 4'000'000;
    (void)chain.Open();
    chain.chainstate.reset();
    auto options = chain.MakeOptions();
    options.verifier_threads = 0;  // every core
    options.utxo_cache_bytes = 1ull << 30;
    chain.chainstate = std::move(chain::Chainstate::Open(options).value());
    const auto key = crypto::KeyPair::Generate();
    std::vector<primitives::Block> coinbases;
    for (int i = 0; i < 100 + kFundedBlocks; ++i) coinbases.push_back(chain.Mine(PayTo(key)));
    std::vector<primitives::Transaction> fanouts;
    for (int i = 0; i < kFundedBlocks; ++i) {
      const Spendable coin = chain::testing::CoinbaseOutput(coinbases[i]);
      std::vector<primitives::TxOut> outs(kTxPerBlock, {.value = coin.out.value / kTxPerBlock - 100, .script_pubkey = PayTo(key)});
      fanouts.push_back(SignedTx(key, {coin}, outs));
      (void)chain->SubmitTransaction(fanouts.back());
    }
    chain.Mine(PayTo(key));
    // The spending blocks are built on a scratch copy of the tip's view: each spends one fan-out.
    for (int i = 0; i < kFundedBlocks; ++i) {
      std::vector<primitives::Transaction> txs;
      const auto txid = primitives::Txid(fanouts[i]);
      for (uint32_t n = 0; n < kTxPerBlock; ++n) {
        const Spendable coin{{txid, n}, fanouts[i].outputs[n]};
        txs.push_back(SignedTx(key, {coin}, {{.value = coin.out.value - 200, .script_pubkey = PayTo(key)}}));
      }
      spend_blocks.push_back(MakeBlock(*chain, std::move(txs), 200 * kTxPerBlock, key));
      if (!chain->SubmitBlock(spend_blocks.back())) std::abort();
    }
  }
};

ConnectFixture& Fixture() {
  static ConnectFixture fixture;
  return fixture;
}

// Connects the same blocks in a fresh chainstate each round (setup untimed). `from_mempool`:
// their transactions were accepted into its mempool first, so the script execution cache
// (chain/script_cache.h) spares their signatures, as for a block whose transactions were relayed.
void RunConnect(benchmark::State& state, bool from_mempool) {
  ConnectFixture& fixture = Fixture();
  const auto& blocks = fixture.spend_blocks;
  for (auto _ : state) {
    state.PauseTiming();
    chain::testing::TestChain replay;
    replay.clock.Set(fixture.chain.clock.Now());
    replay.mempool.max_tx_weight = 4'000'000;
    (void)replay.Open();
    auto options = replay.MakeOptions();
    options.verifier_threads = 0;
    options.utxo_cache_bytes = 1ull << 30;
    replay.chainstate.reset();
    replay.chainstate = std::move(chain::Chainstate::Open(options).value());
    for (int h = 1; h <= 100 + kFundedBlocks + 1; ++h) {
      (void)replay->SubmitBlock(fixture.chain->GetBlock(*fixture.chain->GetBlockHash(h)).value());
    }
    if (from_mempool) {
      for (const auto& block : blocks) {
        for (size_t i = 1; i < block.transactions.size(); ++i) {
          if (!replay->SubmitTransaction(block.transactions[i])) std::abort();
        }
      }
    }
    state.ResumeTiming();
    for (const auto& block : blocks) {
      if (!replay->SubmitBlock(block)) std::abort();
    }
    state.PauseTiming();
    replay.Close();
    state.ResumeTiming();
  }
  const double blocks_done = static_cast<double>(state.iterations()) * blocks.size();
  state.counters["blocks/s"] = benchmark::Counter(blocks_done, benchmark::Counter::kIsRate);
  state.counters["sigs/s"] = benchmark::Counter(blocks_done * kTxPerBlock, benchmark::Counter::kIsRate);
}

void BM_ConnectBlock1000Tx(benchmark::State& state) { RunConnect(state, false); }
BENCHMARK(BM_ConnectBlock1000Tx)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_ConnectBlock1000TxFromMempool(benchmark::State& state) { RunConnect(state, true); }
BENCHMARK(BM_ConnectBlock1000TxFromMempool)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The ParallelVerifier alone on the same threads, for the ratio.
void BM_VerifierRate1000(benchmark::State& state) {
  std::vector<crypto::SchnorrCheck> checks(kTxPerBlock);
  for (auto& check : checks) {
    const auto key = crypto::KeyPair::Generate();
    for (auto& b : check.message) b = std::byte(std::rand() & 0xff);
    check.key = key.PublicKey();
    check.signature = key.Sign(check.message);
  }
  const size_t cores = util::DefaultThreadCount();
  util::ThreadPool pool(cores > 1 ? cores - 1 : 0);
  crypto::ParallelVerifier verifier(pool);
  for (auto _ : state) benchmark::DoNotOptimize(verifier.VerifyAll(checks));
  state.counters["sigs/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kTxPerBlock,
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifierRate1000)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr uint32_t kUtxoCount = 200'000;

primitives::OutPoint NthOutPoint(uint32_t n) {
  crypto::Uint256 txid = crypto::Sha256d(util::AsBytes(std::to_string(n / 4)));
  return {txid, n % 4};
}

struct UtxoFixture {
  storage::testing::TempDir dir;
  std::unique_ptr<storage::Database> db;
  UtxoFixture() {
    db = storage::Database::Open({.path = dir.path() / "db", .block_cache_bytes = 256 << 20}).value();
    chain::CoinsCache cache(*db);
    for (uint32_t n = 0; n < kUtxoCount; ++n) {
      cache.Add(NthOutPoint(n), {.out = {.value = n, .script_pubkey = util::Bytes(34, std::byte{0x51})}, .height = 1});
    }
    storage::WriteBatch batch;
    cache.WriteChanges(batch);
    (void)db->Write(batch);
  }
};

UtxoFixture& Utxos() {
  static UtxoFixture fixture;
  return fixture;
}

void BM_UtxoLookupCached(benchmark::State& state) {
  chain::CoinsCache cache(*Utxos().db);
  for (uint32_t n = 0; n < kUtxoCount; ++n) (void)cache.Get(NthOutPoint(n));
  std::vector<primitives::OutPoint> keys;
  std::mt19937 rng(1);
  for (int i = 0; i < 65536; ++i) keys.push_back(NthOutPoint(rng() % kUtxoCount));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(cache.Find(keys[i++ & 0xffff]));
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_UtxoLookupCached);

void BM_UtxoLookupUncached(benchmark::State& state) {
  auto& db = *Utxos().db;
  std::vector<std::array<std::byte, 36>> keys;
  std::mt19937 rng(2);
  for (int i = 0; i < 65536; ++i) keys.push_back(chain::CoinKey(NthOutPoint(rng() % kUtxoCount)));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(db.Get(storage::Column::kUtxo, keys[i++ & 0xffff]));
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_UtxoLookupUncached);

// A 1,000-transaction block's worth of bytes.
const util::Bytes& BlockBytes() {
  static const util::Bytes bytes = [] {
    const auto key = crypto::KeyPair::Generate();
    primitives::Block block;
    Spendable coin{{crypto::Uint256(), 0}, {.value = 1000, .script_pubkey = PayTo(key)}};
    for (int i = 0; i < kTxPerBlock; ++i) {
      coin.outpoint.index = static_cast<uint32_t>(i);
      block.transactions.push_back(SignedTx(key, {coin}, {coin.out}));
    }
    return primitives::Serialize(block);
  }();
  return bytes;
}

void BM_BlockStoreWriteSync(benchmark::State& state) {
  storage::testing::TempDir dir;
  auto store = storage::FlatFileStore::Open({.dir = dir.path(), .prefix = "blk", .magic = {}}).value();
  for (auto _ : state) {
    if (!store->Append(BlockBytes()) || !store->Sync()) std::abort();
  }
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(state.iterations() * BlockBytes().size()) / 1e6,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BlockStoreWriteSync)->UseRealTime();

void BM_BlockStoreRead(benchmark::State& state) {
  storage::testing::TempDir dir;
  auto store = storage::FlatFileStore::Open({.dir = dir.path(), .prefix = "blk", .magic = {}}).value();
  std::vector<storage::FilePos> positions;
  for (int i = 0; i < 64; ++i) positions.push_back(store->Append(BlockBytes()).value());
  (void)store->Sync();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(store->Read(positions[i++ % positions.size()]));
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BlockStoreRead);

}  // namespace
}  // namespace parthenon

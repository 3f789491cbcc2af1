// Relay and sync benchmarks over loopback with full in-process nodes (chainstate + network
// manager + ChainSync), see docs/relay-and-sync.md:
//   BM_PropagationLine10       ~1 MB blocks over a 10-node line: per-hop and whole-network
//                              median/p95 (ms), from the miner's tip change to each node's.
//   BM_PropagationRandom30     the same over 30 nodes, each dialling 4 random others (degree ~8).
//   BM_InitialSync10k          a late node syncs 10,000 small (coinbase-only) blocks from 3
//                              peers: headers/s and blocks/s, and the ratio to
//   BM_ConnectBaseline10k      the same blocks submitted straight into a fresh chainstate
//                              (same storage settings), i.e. the chainstate's connect rate.
//   BM_InitialSyncOnePeer10k   the same sync from a single peer; both sync benchmarks report
//                              idle%: download time with blocks wanted but none in flight.
//   BM_PropagationCompact30, BM_PropagationCompactUnseen30: BIP152, see below.
// BENCH_SYNC_INFLIGHT=<n> overrides max_blocks_in_flight_per_peer (default 16).
// BENCH_SCRIPT_CACHE=<n> sets each node's script execution cache size (0: off; default 100,000).
// Storage: flat-file fsync is skipped (NoSyncEnv, as in the tests); RocksDB writes stay synced.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "../tests/integration/sync_node.h"
#include "consensus/script.h"
#include "primitives/merkle.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p;
using namespace parthenon::p2p::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const util::Bytes& Payout() {
  static const util::Bytes script = chain::testing::PayTo(crypto::KeyPair::Generate());
  return script;
}

// A block on `node`'s tip whose coinbase carries `outputs` 80-byte OP_RETURN outputs
// (10,500 of them make ~0.96 MB, within the 4M weight limit).
primitives::Block BigBlock(SyncNode& node, size_t outputs) {
  auto tmpl = node.chain().CreateBlockTemplate(Payout()).value();
  SharedClock().Advance(30s);
  auto& coinbase = tmpl.block.transactions.at(0);
  static uint32_t salt = 0;
  ++salt;
  for (size_t i = 0; i < outputs; ++i) {
    util::Bytes data(consensus::kMaxNullDataSize, std::byte{0});
    std::memcpy(data.data(), &salt, sizeof salt);
    std::memcpy(data.data() + 4, &i, sizeof i);
    coinbase.outputs.push_back({0, consensus::NullDataScript(data)});
  }
  tmpl.block.header.merkle_root = primitives::BlockMerkleRoot(tmpl.block).root;
  return chain::MineBlock(std::move(tmpl.block), node.chain().params()).value();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * double(values.size())));
  return values[index];
}

// Tip-change times of every node, by block hash.
class TipTimes {
 public:
  void Watch(SyncNode& node, size_t index) {
    node.chain().OnNewTip([this, index](const chain::ChainTip& tip) {
      util::MutexLock lock(mutex_);
      times_[tip.hash][index] = Clock::now();
    });
  }
  std::map<size_t, Clock::time_point> Of(const crypto::Uint256& hash) {
    util::MutexLock lock(mutex_);
    return times_[hash];
  }

 private:
  util::Mutex mutex_;
  std::map<crypto::Uint256, std::map<size_t, Clock::time_point>> times_ GUARDED_BY(mutex_);
};

ChainSync::Options BenchSyncOptions() {
  auto options = FastSyncOptions();
  options.block_timeout = 30s;
  options.headers_timeout = 30s;
  if (const char* inflight = std::getenv("BENCH_SYNC_INFLIGHT")) {
    options.max_blocks_in_flight_per_peer = std::strtoul(inflight, nullptr, 10);
  }
  return options;
}

void RunPropagation(benchmark::State& state, size_t node_count, bool line, int subnet) {
  Nodes nodes;
  TipTimes times;
  for (size_t i = 0; i < node_count; ++i) {
    nodes.push_back(std::make_unique<SyncNode>(fmt::format("127.41.{}.{}", subnet, i + 1),
                                               BenchSyncOptions()));
    times.Watch(*nodes.back(), i);
    nodes.back()->Start();
  }
  std::mt19937 rng(7);
  if (line) {
    for (size_t i = 0; i + 1 < node_count; ++i) (void)nodes[i]->Link(*nodes[i + 1]);
  } else {
    for (size_t i = 0; i < node_count; ++i) {
      std::set<size_t> targets;
      if (i > 0) targets.insert(rng() % i);  // keeps the graph connected
      while (targets.size() < 4) {
        const size_t t = rng() % node_count;
        if (t != i) targets.insert(t);
      }
      for (size_t t : targets) {
        if (nodes[i]->ConnectedTo(nodes[t]->ip()) == 0 && nodes[t]->ConnectedTo(nodes[i]->ip()) == 0) {
          (void)nodes[i]->Link(*nodes[t]);
        }
      }
    }
  }
  std::vector<double> hop_ms, network_ms;
  for (auto _ : state) {
    state.PauseTiming();
    const size_t miner = line ? 0 : rng() % node_count;
    auto block = BigBlock(*nodes[miner], 10'500);
    const auto hash = block.header.Hash();
    state.ResumeTiming();
    if (!nodes[miner]->chain().SubmitBlock(block)) std::abort();
    if (!WaitUntil([&] { return times.Of(hash).size() == node_count; }, 60s)) {
      state.SkipWithError("block did not reach every node");
      return;
    }
    state.PauseTiming();
    auto seen = times.Of(hash);
    const auto t0 = seen.at(miner);
    Clock::time_point last = t0;
    for (const auto& [index, t] : seen) last = std::max(last, t);
    network_ms.push_back(std::chrono::duration<double, std::milli>(last - t0).count());
    if (line) {
      for (size_t i = 1; i < node_count; ++i) {
        hop_ms.push_back(std::chrono::duration<double, std::milli>(seen.at(i) - seen.at(i - 1)).count());
      }
    } else {
      // Per hop: each node's arrival time over its hop distance from the miner is not known
      // exactly; report the first-ring (direct peers of the miner) arrival times instead.
      for (const auto& peer : nodes[miner]->net().GetPeers()) {
        for (size_t i = 0; i < node_count; ++i) {
          if (nodes[i]->ip() == peer.address.HostString() && seen.contains(i)) {
            hop_ms.push_back(std::chrono::duration<double, std::milli>(seen.at(i) - t0).count());
          }
        }
      }
    }
    state.ResumeTiming();
  }
  state.counters["hop_median_ms"] = Percentile(hop_ms, 0.5);
  state.counters["hop_p95_ms"] = Percentile(hop_ms, 0.95);
  state.counters["network_median_ms"] = Percentile(network_ms, 0.5);
  state.counters["network_p95_ms"] = Percentile(network_ms, 0.95);
  state.counters["nodes"] = double(node_count);
}

void BM_PropagationLine10(benchmark::State& state) { RunPropagation(state, 10, true, 1); }
BENCHMARK(BM_PropagationLine10)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20);

void BM_PropagationRandom30(benchmark::State& state) { RunPropagation(state, 30, false, 2); }
BENCHMARK(BM_PropagationRandom30)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10);

constexpr int kSyncBlocks = 10'000;

const PrebuiltChain& Prebuilt() {
  static const PrebuiltChain chain(kSyncBlocks, Payout());
  return chain;
}

void BM_ConnectBaseline10k(benchmark::State& state) {
  const auto& prebuilt = Prebuilt();
  // Read the blocks back once, then submit them into fresh chainstates.
  SyncNode source("127.41.3.1", BenchSyncOptions(), nullptr, 1, &prebuilt.dir.path());
  std::vector<primitives::Block> blocks;
  for (int h = 1; h <= kSyncBlocks; ++h) {
    blocks.push_back(source.chain().GetBlock(*source.chain().GetBlockHash(h)).value());
  }
  for (auto _ : state) {
    state.PauseTiming();
    SyncNode fresh("127.41.3.2", BenchSyncOptions());
    state.ResumeTiming();
    for (const auto& block : blocks) {
      if (!fresh.chain().SubmitBlock(block)) std::abort();
    }
  }
  state.counters["blocks/s"] = benchmark::Counter(double(state.iterations()) * kSyncBlocks,
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ConnectBaseline10k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// A late node syncs the prebuilt chain from `peers` sources. Reports headers/s, blocks/s,
// idle%: the share of the download time during which blocks were wanted but none was in flight
// (SyncStatus::download_idle), and starved%: the share during which, in addition, the validation
// worker had nothing to do (download_starved).
void RunInitialSync(benchmark::State& state, int peers, uint8_t subnet) {
  const auto& prebuilt = Prebuilt();
  Nodes sources;
  for (int i = 0; i < peers; ++i) {
    sources.push_back(std::make_unique<SyncNode>(fmt::format("127.41.{}.{}", subnet, i + 1),
                                                 BenchSyncOptions(), nullptr, 1,
                                                 &prebuilt.dir.path()));
    sources.back()->Start();
  }
  double headers_seconds = 0, blocks_seconds = 0, idle = 0, active = 0, starved = 0;
  for (auto _ : state) {
    SyncNode late(fmt::format("127.41.{}.20", subnet), BenchSyncOptions());
    late.Start();
    const auto t0 = Clock::now();
    for (auto& source : sources) (void)late.Link(*source);
    (void)WaitUntil([&] { return late.chain().HeaderTip().height == kSyncBlocks; }, 120s);
    headers_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    if (!WaitUntil([&] { return late.Tip().hash == prebuilt.tip.hash; }, 300s)) {
      state.SkipWithError("sync did not finish");
      return;
    }
    blocks_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    const auto status = late.sync().GetSyncStatus();
    idle += double(status.download_idle.count());
    active += double(status.download_active.count());
    starved += double(status.download_starved.count());
  }
  const double n = double(state.iterations());
  state.counters["headers/s"] = n * kSyncBlocks / headers_seconds;
  state.counters["blocks/s"] = n * kSyncBlocks / blocks_seconds;
  state.counters["idle%"] = idle + active > 0 ? 100 * idle / (idle + active) : 0;
  state.counters["starved%"] = idle + active > 0 ? 100 * starved / (idle + active) : 0;
}

void BM_InitialSync10k(benchmark::State& state) { RunInitialSync(state, 3, 4); }
BENCHMARK(BM_InitialSync10k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// A lone node syncing from one peer over loopback.
void BM_InitialSyncOnePeer10k(benchmark::State& state) { RunInitialSync(state, 1, 5); }
BENCHMARK(BM_InitialSyncOnePeer10k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
// --- BIP152 compact blocks (docs/compact-blocks.md) ---
//   BM_PropagationCompact30        30 nodes as BM_PropagationRandom30; each block holds ~2,500
//                                  real transactions (1 input, a payment and two 80-byte
//                                  OP_RETURN outputs: ~0.87 MB) already in every mempool.
//   BM_PropagationCompactUnseen30  the same blocks, their transactions in no mempool.
// Counters: network p50/p95 (ms), the share of (node, block) pairs rebuilt without a round trip,
// and the bytes each node received per block (all peers, frame headers included, between the
// block's submission and its arrival everywhere).

constexpr size_t kCompactTxs = 2'500;
constexpr int kCompactIterations = 8;
constexpr size_t kFanOuts = kCompactTxs * kCompactIterations / 1'000;  // 1,000 outputs each

const crypto::KeyPair& CompactKey() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  return key;
}

// A closed datadir whose chain holds kFanOuts transactions of 1,000 spendable outputs each (to
// CompactKey()), mined in one block on top of 100 + kFanOuts coinbase-only blocks.
struct CompactChain {
  CompactChain() {
    chain::Chainstate::Options options{
        .datadir = dir.path(), .network = consensus::Network::kRegtest,
        .utxo_cache_bytes = 64 << 20, .db_cache_bytes = 8 << 20, .verifier_threads = 1,
        .clock = &SharedClock(), .env = &TestEnv()};
    auto chain = std::move(chain::Chainstate::Open(options).value());
    const util::Bytes script = chain::testing::PayTo(CompactKey());
    std::vector<primitives::Block> blocks;
    const auto mine = [&] {
      auto tmpl = chain->CreateBlockTemplate(script);
      SharedClock().Advance(30s);
      auto block = chain::MineBlock(std::move(tmpl.value().block), chain->params()).value();
      if (!chain->SubmitBlock(block)) std::abort();
      blocks.push_back(std::move(block));
    };
    for (size_t i = 0; i < 100 + kFanOuts; ++i) mine();
    for (size_t f = 0; f < kFanOuts; ++f) {
      const auto coin = chain::testing::CoinbaseOutput(blocks[f]);
      std::vector<primitives::TxOut> outputs(1'000, {coin.out.value / 1'000 - 100, script});
      const auto tx = chain::testing::SignedTx(CompactKey(), {coin}, std::move(outputs));
      if (!chain->SubmitTransaction(tx)) std::abort();
      for (uint32_t n = 0; n < 1'000; ++n) coins.push_back({{primitives::Txid(tx), n}, tx.outputs[n]});
    }
    mine();
    if (!chain->Flush()) std::abort();
  }
  storage::testing::TempDir dir;
  std::vector<chain::testing::Spendable> coins;
};

const CompactChain& Compact() {
  static const CompactChain chain;
  return chain;
}

// kCompactTxs signed payments, spending coins [first, first + kCompactTxs).
std::vector<primitives::Transaction> Payments(size_t first) {
  std::vector<primitives::Transaction> txs;
  const util::Bytes script = chain::testing::PayTo(CompactKey());
  for (size_t i = first; i < first + kCompactTxs; ++i) {
    const auto& coin = Compact().coins.at(i);
    util::Bytes data(consensus::kMaxNullDataSize, std::byte(i));
    std::memcpy(data.data(), &i, sizeof i);
    txs.push_back(chain::testing::SignedTx(
        CompactKey(), {coin},
        {{coin.out.value - 1'000, script}, {0, consensus::NullDataScript(data)},
         {0, consensus::NullDataScript(data)}}));
  }
  return txs;
}

// A block on `node`'s tip holding `txs` (after whatever its mempool template holds), with its
// witness commitment and merkle root, mined.
primitives::Block CompactBlockOf(SyncNode& node, const std::vector<primitives::Transaction>& txs) {
  auto block = node.chain().CreateBlockTemplate(Payout()).value().block;
  SharedClock().Advance(30s);
  block.transactions.resize(1);  // the coinbase; the payments follow in our order
  auto& coinbase = block.transactions[0];
  std::erase_if(coinbase.outputs, [](const primitives::TxOut& out) {  // the template's commitment
    const auto& prefix = primitives::kWitnessCommitmentPrefix;
    return out.script_pubkey.size() == primitives::kWitnessCommitmentScriptSize &&
           std::equal(prefix.begin(), prefix.end(), out.script_pubkey.begin());
  });
  block.transactions.insert(block.transactions.end(), txs.begin(), txs.end());
  auto& cb = block.transactions[0];  // (the insertion may have moved it)
  cb.inputs[0].witness = {util::Bytes(32)};
  const auto commitment = primitives::ComputeWitnessCommitment(
      primitives::BlockWitnessMerkleRoot(block).root, cb.inputs[0].witness[0]);
  cb.outputs.push_back({0, primitives::WitnessCommitmentScript(commitment)});
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  return chain::MineBlock(std::move(block), node.chain().params()).value();
}

uint64_t BytesReceived(SyncNode& node) {
  uint64_t bytes = 0;
  for (const auto& peer : node.net().GetPeers()) bytes += peer.bytes_received;
  return bytes;
}

void RunCompactPropagation(benchmark::State& state, bool seen, int subnet) {
  constexpr size_t kNodes = 30;
  const auto& prebuilt = Compact();
  TipTimes times;  // outlives the nodes, whose callbacks write to it
  Nodes nodes;
  for (size_t i = 0; i < kNodes; ++i) {
    nodes.push_back(std::make_unique<SyncNode>(fmt::format("127.41.{}.{}", subnet, i + 1),
                                               BenchSyncOptions(), nullptr, 1, &prebuilt.dir.path()));
    times.Watch(*nodes.back(), i);
    nodes.back()->Start();
  }
  std::mt19937 rng(7);
  for (size_t i = 0; i < kNodes; ++i) {
    std::set<size_t> targets;
    if (i > 0) targets.insert(rng() % i);
    while (targets.size() < 4) {
      const size_t t = rng() % kNodes;
      if (t != i) targets.insert(t);
    }
    for (size_t t : targets) {
      if (nodes[i]->ConnectedTo(nodes[t]->ip()) == 0 && nodes[t]->ConnectedTo(nodes[i]->ip()) == 0) {
        (void)nodes[i]->Link(*nodes[t]);
      }
    }
  }
  std::vector<double> network_ms;
  double bytes_per_node = 0, rebuilt_alone = 0, rebuilt_total = 0, block_bytes = 0;
  size_t iteration = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto txs = Payments(iteration++ * kCompactTxs);
    if (seen) {
      for (auto& node : nodes) {
        for (const auto& tx : txs) (void)node->chain().SubmitTransaction(tx);
      }
      std::this_thread::sleep_for(500ms);  // the transactions' inv traffic settles
    }
    const size_t miner = rng() % kNodes;
    const auto block = CompactBlockOf(*nodes[miner], txs);
    const auto hash = block.header.Hash();
    block_bytes += double(primitives::SerializedSize(block));
    std::vector<uint64_t> bytes_before;
    std::vector<SyncStatus> before;
    for (auto& node : nodes) {
      bytes_before.push_back(BytesReceived(*node));
      before.push_back(node->sync().GetSyncStatus());
    }
    state.ResumeTiming();
    if (!nodes[miner]->chain().SubmitBlock(block)) std::abort();
    if (!WaitUntil([&] { return times.Of(hash).size() == kNodes; }, 60s)) {
      state.SkipWithError("block did not reach every node");
      return;
    }
    state.PauseTiming();
    const auto seen_at = times.Of(hash);
    Clock::time_point last = seen_at.at(miner);
    for (const auto& [index, t] : seen_at) last = std::max(last, t);
    network_ms.push_back(std::chrono::duration<double, std::milli>(last - seen_at.at(miner)).count());
    std::this_thread::sleep_for(100ms);  // late pushes and answers arrive
    for (size_t i = 0; i < kNodes; ++i) {
      bytes_per_node += double(BytesReceived(*nodes[i]) - bytes_before[i]) / kNodes;
      const auto after = nodes[i]->sync().GetSyncStatus();
      rebuilt_alone += double(after.compact_reconstructed - before[i].compact_reconstructed);
      rebuilt_total += double(after.blocks_received - before[i].blocks_received);
    }
    state.ResumeTiming();
  }
  const double n = double(state.iterations());
  state.counters["network_median_ms"] = Percentile(network_ms, 0.5);
  state.counters["network_p95_ms"] = Percentile(network_ms, 0.95);
  state.counters["no_round_trip_share"] = rebuilt_total > 0 ? rebuilt_alone / rebuilt_total : 0;
  state.counters["kB_per_node_per_block"] = bytes_per_node / n / 1000.0;
  state.counters["block_kB"] = block_bytes / n / 1000.0;
}

void BM_PropagationCompact30(benchmark::State& state) { RunCompactPropagation(state, true, 5); }
BENCHMARK(BM_PropagationCompact30)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(kCompactIterations);

void BM_PropagationCompactUnseen30(benchmark::State& state) {
  RunCompactPropagation(state, false, 6);
}
BENCHMARK(BM_PropagationCompactUnseen30)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(kCompactIterations);

}  // namespace

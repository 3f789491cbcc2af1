// Helpers for tests and benchmarks of the chain layer: a chainstate in a temporary directory with
// a manual clock, mining on top of it, and signed payments. Not used by production code.
// Thread-compatible.
#pragma once

#include <memory>

#include "chain/chainstate.h"
#include "consensus/script.h"
#include "consensus/sighash.h"
#include "crypto/schnorr.h"
#include "storage/test_dir.h"
#include "util/clock.h"

namespace parthenon::chain::testing {

inline util::Bytes PayTo(const crypto::KeyPair& key) { return consensus::KeyPathScript(key.PublicKey()); }

// A coin a test can spend: where it is, what it holds, and the key that owns it.
struct Spendable {
  primitives::OutPoint outpoint;
  primitives::TxOut out;
};

// Spends `inputs` (all owned by `key`) to `outputs`, signing every input.
inline primitives::Transaction SignedTx(const crypto::KeyPair& key, const std::vector<Spendable>& inputs,
                                        std::vector<primitives::TxOut> outputs) {
  primitives::Transaction tx;
  std::vector<primitives::TxOut> spent;
  for (const auto& input : inputs) {
    tx.inputs.push_back({.prevout = input.outpoint, .script_sig = {}, .sequence = 0xffffffff, .witness = {}});
    spent.push_back(input.out);
  }
  tx.outputs = std::move(outputs);
  const auto precomputed = consensus::PrecomputeSighash(tx, spent);
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const auto sighash = consensus::SignatureHash(tx, i, 0, spent, precomputed);
    const auto sig = key.Sign(sighash.value().span());
    tx.inputs[i].witness = {util::Bytes(sig.begin(), sig.end())};
  }
  return tx;
}

// The coinbase output of `block` as a Spendable.
inline Spendable CoinbaseOutput(const primitives::Block& block) {
  const auto& coinbase = block.transactions.at(0);
  return {{primitives::Txid(coinbase), 0}, coinbase.outputs.at(0)};
}

class TestChain {
 public:
  explicit TestChain(const std::filesystem::path& datadir) : datadir_(datadir) {}
  TestChain() : owned_dir_(std::make_unique<storage::testing::TempDir>()), datadir_(owned_dir_->path()) {}

  Chainstate::Options MakeOptions() {
    return {.datadir = datadir_, .network = consensus::Network::kRegtest, .utxo_cache_bytes = 8 << 20,
            .db_cache_bytes = 8 << 20, .verifier_threads = 1, .clock = &clock, .env = env,
            .write_filter = write_filter, .mempool = mempool};
  }
  Result<void> Open() {
    chainstate.reset();
    auto opened = Chainstate::Open(MakeOptions());
    if (!opened) return std::unexpected(opened.error());
    chainstate = std::move(*opened);
    return {};
  }
  void Close() { chainstate.reset(); }
  Chainstate& operator*() { return *chainstate; }
  Chainstate* operator->() { return chainstate.get(); }

  // A block template on the tip paying `payout`, mined; the clock moves on two minutes.
  primitives::Block Build(const util::Bytes& payout) {
    auto tmpl = chainstate->CreateBlockTemplate(payout);
    auto block = MineBlock(std::move(tmpl.value().block), chainstate->params());
    clock.Advance(std::chrono::minutes(2));
    return std::move(block.value());
  }
  // Builds and submits one block; returns it.
  primitives::Block Mine(const util::Bytes& payout) {
    primitives::Block block = Build(payout);
    auto submitted = chainstate->SubmitBlock(block);
    if (!submitted || *submitted != BlockOutcome::kAccepted) std::abort();
    return block;
  }

  util::ManualClock clock{std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}}};
  storage::Env* env = nullptr;
  storage::WriteFilter* write_filter = nullptr;
  Mempool::Options mempool;
  std::unique_ptr<Chainstate> chainstate;

 private:
  std::unique_ptr<storage::testing::TempDir> owned_dir_;
  std::filesystem::path datadir_;
};

}  // namespace parthenon::chain::testing

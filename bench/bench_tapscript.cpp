// Consensus v2 spends verified per second, script path against key path in the same run: each
// benchmark prepares (signature hashes, and for script paths the commitment check and the
// tapscript run) and verifies 1,000 one-input transactions the way block validation does
// (PrepareSignatureChecks per transaction, fanned out on the ParallelVerifier). Items = inputs.
//
//   KeyPath            one BIP340 signature over the key-path message
//   ScriptPathChecksig leaf `<key> OP_CHECKSIG` in a 2-leaf tree (an HTLC's claim leaf shape)
//   ScriptPathHashlock leaf `OP_SHA256 <h> OP_EQUALVERIFY <key> OP_CHECKSIG` (HTLC claim)
//   ScriptPath2of3     leaf `<k1> CHECKSIG <k2> CHECKSIGADD <k3> CHECKSIGADD 2 NUMEQUAL`: two signatures
//
// Arg = verifier threads besides the caller (0: the calling thread only).
#include <benchmark/benchmark.h>

#include <functional>
#include <vector>

#include "consensus/input_check.h"
#include "consensus/opcodes.h"
#include "consensus/script.h"
#include "consensus/script_num.h"
#include "consensus/taproot.h"
#include "crypto/parallel_verifier.h"
#include "crypto/sha256.h"
#include "util/thread_pool.h"

namespace parthenon {
namespace {

constexpr size_t kTransactions = 1000;
constexpr consensus::SpendRules kV2{.script_v2 = true, .standard = false};

enum class Kind { kKeyPath, kChecksig, kHashlock, k2of3 };

struct Spend {
  primitives::Transaction tx;
  std::vector<primitives::TxOut> spent;
};

util::Bytes Cat(std::initializer_list<util::Bytes> parts) {
  util::Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}
util::Bytes PushKey(const crypto::KeyPair& key) {
  const auto pub = key.PublicKey();
  return consensus::PushData(pub);
}
util::Bytes Op(uint8_t opcode) { return {std::byte{opcode}}; }

util::Bytes Sign(const crypto::KeyPair& key, const Spend& s, const std::optional<crypto::Uint256>& leaf) {
  consensus::SighashExtension ext;
  if (leaf) ext.tapleaf = consensus::SighashExtension::Tapleaf{.leaf_hash = *leaf, .codesep_pos = 0xffffffff};
  const auto sighash =
      consensus::SignatureHash(s.tx, 0, 0, s.spent, consensus::PrecomputeSighash(s.tx, s.spent), ext).value();
  const auto sig = key.Sign(sighash.span());
  return {sig.begin(), sig.end()};
}

Spend MakeSpend(Kind kind, uint32_t n) {
  const auto k1 = crypto::KeyPair::Generate(), k2 = crypto::KeyPair::Generate(), k3 = crypto::KeyPair::Generate();
  const util::Bytes preimage(32, std::byte{static_cast<uint8_t>(n)});
  const auto hash = crypto::Sha256Hash(preimage);
  util::Bytes leaf;
  switch (kind) {
    case Kind::kKeyPath:
      break;
    case Kind::kChecksig:
      leaf = Cat({PushKey(k1), Op(consensus::op::kCheckSig)});
      break;
    case Kind::kHashlock:
      leaf = Cat({Op(consensus::op::kSha256), consensus::PushData(hash), Op(consensus::op::kEqualVerify), PushKey(k1),
                  Op(consensus::op::kCheckSig)});
      break;
    case Kind::k2of3:
      leaf = Cat({PushKey(k1), Op(consensus::op::kCheckSig), PushKey(k2), Op(consensus::op::kCheckSigAdd), PushKey(k3),
                  Op(consensus::op::kCheckSigAdd), Op(consensus::op::k2), Op(consensus::op::kNumEqual)});
      break;
  }
  const consensus::TapTree tree =
      consensus::TapTree::Branch(consensus::TapTree::Leaf(leaf.empty() ? Op(consensus::op::k1) : leaf),
                                 consensus::TapTree::Leaf(Cat({PushKey(k2), Op(consensus::op::kCheckSig)})));
  const auto output =
      consensus::BuildTaprootOutput(kind == Kind::kKeyPath ? k1.PublicKey() : consensus::UnspendableInternalKey(),
                                    kind == Kind::kKeyPath ? nullptr : &tree)
          .value();
  Spend s;
  s.tx.version = 2;
  crypto::Uint256 prev;
  prev.span()[0] = std::byte{static_cast<uint8_t>(n)};
  prev.span()[1] = std::byte{static_cast<uint8_t>(n >> 8)};
  s.tx.inputs.push_back({.prevout = {prev, 0}, .script_sig = {}, .sequence = 0xfffffffe, .witness = {}});
  s.tx.outputs.push_back({.value = 9000, .script_pubkey = consensus::KeyPathScript(k1.PublicKey())});
  s.spent.push_back({.value = 10000, .script_pubkey = consensus::KeyPathScript(output.output_key)});
  if (kind == Kind::kKeyPath) {
    const auto tweaked = k1.TapTweak(std::nullopt).value();
    s.tx.inputs[0].witness = {Sign(tweaked, s, std::nullopt)};
    return s;
  }
  const crypto::Uint256 leaf_hash = output.leaves[0].leaf_hash;
  std::vector<util::Bytes> witness;
  if (kind == Kind::k2of3) {
    witness = {Sign(k3, s, leaf_hash), {}, Sign(k1, s, leaf_hash)};
  } else if (kind == Kind::kHashlock) {
    witness = {Sign(k1, s, leaf_hash), preimage};
  } else {
    witness = {Sign(k1, s, leaf_hash)};
  }
  witness.push_back(output.leaves[0].script);
  witness.push_back(output.control_blocks[0]);
  s.tx.inputs[0].witness = std::move(witness);
  return s;
}

const std::vector<Spend>& Spends(Kind kind) {
  static std::vector<Spend> cache[4];
  auto& spends = cache[static_cast<int>(kind)];
  if (spends.empty()) {
    for (uint32_t n = 0; n < kTransactions; ++n) spends.push_back(MakeSpend(kind, n));
  }
  return spends;
}

void VerifySpends(benchmark::State& state, Kind kind) {
  const std::vector<Spend>& spends = Spends(kind);
  util::ThreadPool pool(static_cast<size_t>(state.range(0)));
  const crypto::ParallelVerifier verifier(pool);
  size_t failures = 0;
  size_t signatures = 0;
  for (auto _ : state) {
    // As Chainstate::VerifyBlockSignatures: prepare and verify per transaction, on every thread.
    failures += verifier
                    .VerifyEach(spends.size(),
                                [&](size_t i) {
                                  auto checks = consensus::PrepareSignatureChecks(spends[i].tx, spends[i].spent, kV2);
                                  if (!checks) return false;
                                  for (const auto& check : *checks) {
                                    if (!crypto::VerifySchnorr(check.message, check.key, check.signature)) return false;
                                  }
                                  return true;
                                })
                    .size();
  }
  for (const auto& s : spends) signatures += consensus::PrepareSignatureChecks(s.tx, s.spent, kV2).value().size();
  if (failures != 0) state.SkipWithError("a valid spend failed to verify");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * spends.size()));
  state.counters["sigs_per_input"] = static_cast<double>(signatures) / static_cast<double>(spends.size());
}

void BM_KeyPath(benchmark::State& state) { VerifySpends(state, Kind::kKeyPath); }
void BM_ScriptPathChecksig(benchmark::State& state) { VerifySpends(state, Kind::kChecksig); }
void BM_ScriptPathHashlock(benchmark::State& state) { VerifySpends(state, Kind::kHashlock); }
void BM_ScriptPath2of3(benchmark::State& state) { VerifySpends(state, Kind::k2of3); }

// Real time: with workers, the main thread's CPU time understates the work.
BENCHMARK(BM_KeyPath)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScriptPathChecksig)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScriptPathHashlock)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScriptPath2of3)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parthenon

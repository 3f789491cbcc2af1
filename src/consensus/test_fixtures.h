// Builders of valid regtest transactions and blocks for consensus tests: each test starts from a
// valid object and breaks exactly one rule.
#pragma once

#include <vector>

#include "consensus/block_check.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sighash.h"
#include "crypto/schnorr.h"
#include "primitives/merkle.h"
#include "util/hex.h"

namespace parthenon::consensus::testing {

inline const ChainParams& Regtest() { return Params(Network::kRegtest); }

inline primitives::Transaction MakeCoinbase(int32_t height, Amount value, bool with_witness_nonce) {
  primitives::Transaction tx;
  primitives::TxIn in;
  in.script_sig = HeightPush(height);
  in.script_sig.push_back(std::byte{0x00});  // extra nonce: keeps the scriptSig >= 2 bytes
  if (with_witness_nonce) in.witness.push_back(util::Bytes(32));
  tx.inputs.push_back(in);
  tx.outputs.push_back({.value = value, .script_pubkey = KeyPathScript(crypto::KeyPair::Generate().PublicKey())});
  return tx;
}

// A transaction spending `prevout` (an output of `spent_value` paying `key`) to one output,
// signed with `hash_type` (0: 64-byte signature).
inline primitives::Transaction MakeSignedSpend(const crypto::KeyPair& key,
                                               const primitives::OutPoint& prevout,
                                               Amount spent_value, uint8_t hash_type = 0) {
  primitives::Transaction tx;
  tx.inputs.push_back({.prevout = prevout, .script_sig = {}, .sequence = 0xffffffff, .witness = {}});
  tx.outputs.push_back({.value = spent_value - 1000, .script_pubkey = KeyPathScript(key.PublicKey())});
  const std::vector<primitives::TxOut> spent{{spent_value, KeyPathScript(key.PublicKey())}};
  const auto sighash = SignatureHash(tx, 0, hash_type, spent, PrecomputeSighash(tx, spent));
  const auto sig = key.Sign(sighash.value().span());
  util::Bytes witness(sig.begin(), sig.end());
  if (hash_type != 0) witness.push_back(static_cast<std::byte>(hash_type));
  tx.inputs[0].witness.push_back(witness);
  return tx;
}

inline primitives::OutPoint SomeOutPoint(uint32_t index = 0) {
  return {.txid = crypto::Sha256d(util::AsBytes("funding")), .index = index};
}

// Finds a nonce meeting the header's target (regtest: about two tries).
inline void Mine(primitives::BlockHeader& header, const ChainParams& params = Regtest()) {
  while (!CheckProofOfWork(header.Hash(), header.bits, params)) ++header.nonce;
}

// Fills in the witness commitment (if any transaction has a witness), the merkle root and PoW.
inline void Finish(primitives::Block& block) {
  primitives::Transaction& coinbase = block.transactions.at(0);
  const bool any_witness = std::any_of(block.transactions.begin() + 1, block.transactions.end(),
                                       [](const auto& tx) { return tx.HasWitness(); });
  if (any_witness) {
    if (coinbase.inputs[0].witness.empty()) coinbase.inputs[0].witness.push_back(util::Bytes(32));
    const auto commitment = primitives::ComputeWitnessCommitment(
        primitives::BlockWitnessMerkleRoot(block).root, coinbase.inputs[0].witness[0]);
    coinbase.outputs.push_back({.value = 0, .script_pubkey = primitives::WitnessCommitmentScript(commitment)});
  }
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Mine(block.header);
}

// A valid regtest block at height 1: coinbase plus one signed spend.
inline primitives::Block MakeValidBlock() {
  primitives::Block block;
  block.header.version = 1;
  block.header.prev_block = Regtest().genesis_hash;
  block.header.time = Regtest().genesis.header.time + 120;
  block.header.bits = Regtest().pow_limit_bits;
  block.transactions.push_back(MakeCoinbase(1, 50 * kCoin, false));
  block.transactions.push_back(MakeSignedSpend(crypto::KeyPair::Generate(), SomeOutPoint(), 10 * kCoin));
  Finish(block);
  return block;
}

}  // namespace parthenon::consensus::testing

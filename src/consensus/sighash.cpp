#include "consensus/sighash.h"

#include "consensus/tx_check.h"
#include "primitives/serialize.h"

namespace parthenon::consensus {
namespace {

constexpr uint8_t kAnyoneCanPay = 0x80;
constexpr uint8_t kOutputMask = 0x03;

void WriteOutput(primitives::Writer& out, const primitives::TxOut& txout) {
  out.I64(txout.value);
  out.VarBytes(txout.script_pubkey);
}

crypto::Digest HashOf(const primitives::Writer& writer) {
  return crypto::Sha256Hash(writer.bytes());
}

}  // namespace

crypto::Digest AnnexHash(util::ByteSpan annex) {
  primitives::Writer writer;
  writer.VarBytes(annex);
  return HashOf(writer);
}

PrecomputedSighash PrecomputeSighash(const primitives::Transaction& tx,
                                     std::span<const primitives::TxOut> spent_outputs) {
  primitives::Writer prevouts, amounts, scripts, sequences, outputs;
  for (const primitives::TxIn& in : tx.inputs) {
    prevouts.Hash(in.prevout.txid);
    prevouts.U32(in.prevout.index);
    sequences.U32(in.sequence);
  }
  for (const primitives::TxOut& spent : spent_outputs) {
    amounts.I64(spent.value);
    scripts.VarBytes(spent.script_pubkey);
  }
  for (const primitives::TxOut& out : tx.outputs) WriteOutput(outputs, out);
  return {.prevouts = HashOf(prevouts),
          .amounts = HashOf(amounts),
          .script_pubkeys = HashOf(scripts),
          .sequences = HashOf(sequences),
          .outputs = HashOf(outputs)};
}

Result<util::Bytes> SignatureMessage(const primitives::Transaction& tx, size_t input_index,
                                     uint8_t hash_type,
                                     std::span<const primitives::TxOut> spent_outputs,
                                     const PrecomputedSighash& precomputed,
                                     const SighashExtension& extension) {
  if (spent_outputs.size() != tx.inputs.size() || input_index >= tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  if (hash_type != 0 && !IsValidExplicitHashType(hash_type)) {
    return std::unexpected(Error::kTxBadHashType);
  }
  const uint8_t output_type = hash_type == 0 ? 0x01 : (hash_type & kOutputMask);
  const bool anyone_can_pay = (hash_type & kAnyoneCanPay) != 0;
  if (output_type == 0x03 && input_index >= tx.outputs.size()) {
    return std::unexpected(Error::kSighashSingleNoOutput);
  }

  primitives::Writer msg;
  msg.Reserve(1 + 1 + 8 + 5 * 32 + 1 + 4 + 32 + 32 + 37);
  msg.U8(0x00);  // epoch
  msg.U8(hash_type);
  msg.I32(tx.version);
  msg.U32(tx.lock_time);
  if (!anyone_can_pay) {
    msg.Raw(precomputed.prevouts);
    msg.Raw(precomputed.amounts);
    msg.Raw(precomputed.script_pubkeys);
    msg.Raw(precomputed.sequences);
  }
  if (output_type == 0x01) msg.Raw(precomputed.outputs);
  const uint8_t ext_flag = extension.tapleaf ? 1 : 0;
  msg.U8(static_cast<uint8_t>(ext_flag * 2 + (extension.annex_hash ? 1 : 0)));  // spend_type
  if (anyone_can_pay) {
    const primitives::TxIn& in = tx.inputs[input_index];
    msg.Hash(in.prevout.txid);
    msg.U32(in.prevout.index);
    WriteOutput(msg, spent_outputs[input_index]);
    msg.U32(in.sequence);
  } else {
    msg.U32(static_cast<uint32_t>(input_index));
  }
  if (extension.annex_hash) msg.Raw(*extension.annex_hash);
  if (output_type == 0x03) {
    primitives::Writer single;
    WriteOutput(single, tx.outputs[input_index]);
    msg.Raw(HashOf(single));
  }
  if (extension.tapleaf) {
    msg.Hash(extension.tapleaf->leaf_hash);
    msg.U8(0x00);  // key_version
    msg.U32(extension.tapleaf->codesep_pos);
  }
  return msg.Take();
}

Result<crypto::Uint256> SignatureHash(const primitives::Transaction& tx, size_t input_index,
                                      uint8_t hash_type,
                                      std::span<const primitives::TxOut> spent_outputs,
                                      const PrecomputedSighash& precomputed,
                                      const SighashExtension& extension) {
  static const crypto::TaggedHasher kTapSighash("TapSighash");
  auto message = SignatureMessage(tx, input_index, hash_type, spent_outputs, precomputed, extension);
  if (!message) return std::unexpected(message.error());
  return crypto::Uint256(kTapSighash.Hash(*message));
}

}  // namespace parthenon::consensus

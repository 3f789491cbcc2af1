#include "primitives/transaction.h"

#include <algorithm>

#include "crypto/sha256.h"

namespace parthenon::primitives {
namespace {

constexpr size_t kMinTxInSize = 32 + 4 + 1 + 4;
constexpr size_t kMinTxOutSize = 8 + 1;

size_t VarBytesSize(const util::Bytes& bytes) {
  return CompactSizeLength(bytes.size()) + bytes.size();
}

void WriteInputs(Writer& out, const std::vector<TxIn>& inputs) {
  out.CompactSize(inputs.size());
  for (const TxIn& in : inputs) {
    out.Hash(in.prevout.txid);
    out.U32(in.prevout.index);
    out.VarBytes(in.script_sig);
    out.U32(in.sequence);
  }
}

void WriteOutputs(Writer& out, const std::vector<TxOut>& outputs) {
  out.CompactSize(outputs.size());
  for (const TxOut& txout : outputs) {
    out.I64(txout.value);
    out.VarBytes(txout.script_pubkey);
  }
}

std::vector<TxIn> ReadInputs(Reader& in, size_t count) {
  std::vector<TxIn> inputs(count);
  for (TxIn& txin : inputs) {
    txin.prevout.txid = in.Hash();
    txin.prevout.index = in.U32();
    txin.script_sig = in.VarBytes();
    txin.sequence = in.U32();
  }
  return inputs;
}

std::vector<TxOut> ReadOutputs(Reader& in) {
  std::vector<TxOut> outputs(in.Count(kMaxSize, kMinTxOutSize));
  for (TxOut& txout : outputs) {
    txout.value = in.I64();
    txout.script_pubkey = in.VarBytes();
  }
  return outputs;
}

// Hashes the serialization through a per-thread buffer, so hashing allocates nothing.
crypto::Uint256 HashSerialized(const Transaction& tx, WitnessMode mode) {
  thread_local util::Bytes buffer;
  Writer writer(std::move(buffer));
  Serialize(writer, tx, mode);
  buffer = writer.Take();
  return crypto::Sha256d(buffer);
}

}  // namespace

bool Transaction::HasWitness() const {
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const TxIn& in) { return !in.witness.empty(); });
}

void Serialize(Writer& out, const Transaction& tx, WitnessMode mode) {
  const bool witness = mode == WitnessMode::kInclude && tx.HasWitness();
  out.I32(tx.version);
  if (witness) {
    out.U8(0x00);  // marker
    out.U8(0x01);  // flag
  }
  WriteInputs(out, tx.inputs);
  WriteOutputs(out, tx.outputs);
  if (witness) {
    for (const TxIn& in : tx.inputs) {
      out.CompactSize(in.witness.size());
      for (const util::Bytes& item : in.witness) out.VarBytes(item);
    }
  }
  out.U32(tx.lock_time);
}

util::Bytes Serialize(const Transaction& tx, WitnessMode mode) {
  Writer writer;
  writer.Reserve(SerializedSize(tx, mode));
  Serialize(writer, tx, mode);
  return writer.Take();
}

size_t SerializedSize(const Transaction& tx, WitnessMode mode) {
  const bool witness = mode == WitnessMode::kInclude && tx.HasWitness();
  size_t size = 4 + 4 + CompactSizeLength(tx.inputs.size()) + CompactSizeLength(tx.outputs.size());
  for (const TxIn& in : tx.inputs) size += 32 + 4 + VarBytesSize(in.script_sig) + 4;
  for (const TxOut& out : tx.outputs) size += 8 + VarBytesSize(out.script_pubkey);
  if (witness) {
    size += 2;
    for (const TxIn& in : tx.inputs) {
      size += CompactSizeLength(in.witness.size());
      for (const util::Bytes& item : in.witness) size += VarBytesSize(item);
    }
  }
  return size;
}

Transaction ReadTransaction(Reader& in) {
  Transaction tx;
  tx.version = in.I32();
  size_t input_count = in.Count(kMaxSize, kMinTxInSize);
  uint8_t flags = 0;
  if (input_count == 0 && in.ok()) {
    // Either a transaction without inputs or the BIP144 marker; the flag byte decides.
    flags = in.U8();
    if (flags != 0) input_count = in.Count(kMaxSize, kMinTxInSize);
  }
  tx.inputs = ReadInputs(in, input_count);
  // As Bitcoin Core: an empty input list followed by a zero flag byte is a transaction with
  // neither inputs nor outputs (the zero was the output count), so no output count follows.
  if (input_count != 0 || flags != 0) tx.outputs = ReadOutputs(in);
  if (flags != 0) {
    if (flags != 1) {
      in.Fail(Error::kBadWitnessFlag);
      return tx;
    }
    for (TxIn& txin : tx.inputs) {
      txin.witness.resize(in.Count(kMaxWitnessItems, 1));
      for (util::Bytes& item : txin.witness) item = in.VarBytes();
    }
    if (in.ok() && !tx.HasWitness()) in.Fail(Error::kSuperfluousWitness);
  }
  tx.lock_time = in.U32();
  return tx;
}

Result<Transaction> DecodeTransaction(util::ByteSpan data) {
  return DecodeAll<Transaction>(data, ReadTransaction);
}

crypto::Uint256 Txid(const Transaction& tx) { return HashSerialized(tx, WitnessMode::kExclude); }

crypto::Uint256 Wtxid(const Transaction& tx) { return HashSerialized(tx, WitnessMode::kInclude); }

int64_t Weight(const Transaction& tx) {
  return static_cast<int64_t>(SerializedSize(tx, WitnessMode::kExclude) * 3 +
                              SerializedSize(tx, WitnessMode::kInclude));
}

int64_t VirtualSize(const Transaction& tx) { return (Weight(tx) + 3) / 4; }

}  // namespace parthenon::primitives

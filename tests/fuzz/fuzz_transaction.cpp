// Fuzzes DecodeTransaction, the parser of every transaction a peer sends us.
//
// Property: our decoder accepts only canonical encodings (shortest CompactSize, no witness
// flag without witness data, no trailing bytes), so every accepted input is the unique
// serialization of what it decodes to: Serialize(DecodeTransaction(x)) == x byte for byte.
// A mismatch means two different byte strings map to one transaction (a malleability and
// txid-confusion hazard) or the decoder reads a field the encoder does not write.
#include <algorithm>

#include "crypto/sha256.h"
#include "fuzz_check.h"
#include "primitives/transaction.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  const auto tx = primitives::DecodeTransaction(input);
  if (!tx) return 0;

  const util::Bytes encoded = primitives::Serialize(*tx);
  fuzz::Check(std::ranges::equal(encoded, input), "Serialize(DecodeTransaction(x)) == x");
  fuzz::Check(primitives::SerializedSize(*tx) == encoded.size(), "SerializedSize == size");

  const auto again = primitives::DecodeTransaction(encoded);
  fuzz::Check(again.has_value() && *again == *tx, "re-encoding decodes to an equal transaction");

  // The ids hash exactly the bytes they are defined over.
  fuzz::Check(primitives::Wtxid(*tx) == crypto::Sha256d(input), "wtxid == SHA256d(wire bytes)");
  const util::Bytes legacy = primitives::Serialize(*tx, primitives::WitnessMode::kExclude);
  fuzz::Check(primitives::Txid(*tx) == crypto::Sha256d(legacy), "txid == SHA256d(legacy bytes)");
  fuzz::Check(tx->HasWitness() || legacy == encoded, "no witness: legacy form == wire form");
  return 0;
}

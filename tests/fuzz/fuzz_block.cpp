// Fuzzes DecodeBlock, the parser of `block` messages and of blocks read back from disk.
//
// Property (as for transactions): only canonical encodings decode, so an accepted input is
// exactly Serialize() of the decoded block. Also runs the merkle computation over whatever
// decodes, since block validation does that next with the same attacker-chosen data.
#include <algorithm>

#include "fuzz_check.h"
#include "primitives/block.h"
#include "primitives/merkle.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  const auto block = primitives::DecodeBlock(input);
  if (!block) return 0;

  const util::Bytes encoded = primitives::Serialize(*block);
  fuzz::Check(std::ranges::equal(encoded, input), "Serialize(DecodeBlock(x)) == x");
  fuzz::Check(primitives::SerializedSize(*block) == encoded.size(), "SerializedSize == size");

  const auto again = primitives::DecodeBlock(encoded);
  fuzz::Check(again.has_value() && *again == *block, "re-encoding decodes to an equal block");

  const primitives::MerkleRoot root = primitives::BlockMerkleRoot(*block);
  fuzz::Check(!block->transactions.empty() || root.root.IsNull(), "empty block has zero root");
  (void)primitives::BlockWitnessMerkleRoot(*block);
  return 0;
}

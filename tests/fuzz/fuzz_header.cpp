// Fuzzes DecodeBlockHeader (headers messages carry up to 2000 of them from any peer).
//
// Every 80-byte string is a valid header, so the property is exact in both directions:
// 80 bytes decode and re-encode to themselves, anything else is rejected.
#include <algorithm>

#include "crypto/sha256.h"
#include "fuzz_check.h"
#include "primitives/block.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  const auto header = primitives::DecodeBlockHeader(input);
  fuzz::Check(header.has_value() == (size == primitives::BlockHeader::kSize),
              "a header decodes iff the input is 80 bytes");
  if (!header) return 0;

  fuzz::Check(std::ranges::equal(primitives::SerializeHeader(*header), input),
              "SerializeHeader(DecodeBlockHeader(x)) == x");
  primitives::Writer writer;
  primitives::Serialize(writer, *header);
  fuzz::Check(std::ranges::equal(writer.bytes(), input), "Serialize(Writer) == x");
  fuzz::Check(header->Hash() == crypto::Sha256d(input), "Hash() == SHA256d(x)");
  return 0;
}

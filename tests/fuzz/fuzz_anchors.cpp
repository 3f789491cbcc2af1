// Fuzzes the anchors file decoder (<datadir>/anchors.dat, read at start-up). A damaged file must
// be ignored, never crash the node. Property: what decodes re-encodes to the same bytes.
#include "fuzz_check.h"
#include "p2p/anchors.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  if (auto anchors = p2p::DecodeAnchors(input)) {
    fuzz::Check(anchors->size() <= p2p::kMaxAnchors, "anchor count bounded");
    fuzz::Check(p2p::EncodeAnchors(*anchors) == util::Bytes(input.begin(), input.end()),
                "anchors round trip");
  }
  return 0;
}

// Fuzzes the peer database's on-disk decoders: peer records and ban entries from the RocksDB
// `peers` and `bans` columns. A corrupted database must be reported, never crash start-up.
//
// Property: anything that decodes re-encodes to exactly the same bytes (the encoding is
// canonical), except that a version-1 record (without the wrong-chain mark) is rewritten in the
// current version: then it decodes again to the same record.
#include "fuzz_check.h"
#include "p2p/peerdb/peer_record.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  if (auto record = p2p::DecodePeerRecord(input)) {
    const auto again = p2p::EncodePeerRecord(*record);
    const bool current_version = !input.empty() && input[0] == again[0];
    if (current_version) {
      fuzz::Check(util::Bytes(input.begin(), input.end()) == again, "peer record round trip");
    } else {
      fuzz::Check(p2p::DecodePeerRecord(again) == record, "old peer record upgrades losslessly");
    }
  }
  if (auto ban = p2p::DecodeBanEntry(input)) {
    const auto again = p2p::DecodeBanEntry(p2p::EncodeBanEntry(*ban));
    fuzz::Check(again == ban, "ban entry round trip");
  }
  return 0;
}

// Fuzzes the chain layer's on-disk decoders: UTXO coin records, undo records and block-index
// records. They read bytes from our own database and rev files, which a disk fault or an
// attacker with file access can corrupt; start-up must report that, never crash.
//
// Property: anything that decodes re-encodes to a record that decodes to the same value.
#include "chain/block_index.h"
#include "chain/coins.h"
#include "fuzz_check.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  if (auto coin = chain::DecodeCoin(input)) {
    primitives::Writer out;
    chain::SerializeCoin(out, *coin);
    fuzz::Check(chain::DecodeCoin(out.bytes()) == coin, "coin round trip");
  }
  if (auto undo = chain::DecodeUndo(input)) {
    fuzz::Check(chain::DecodeUndo(chain::SerializeUndo(*undo)) == undo, "undo round trip");
  }
  if (auto entry = chain::DecodeIndexRecord(input)) {
    const auto again = chain::DecodeIndexRecord(chain::SerializeIndexRecord(*entry));
    fuzz::Check(again.has_value() && again->header == entry->header && again->height == entry->height &&
                    again->status == entry->status && again->data_pos == entry->data_pos &&
                    again->undo_pos == entry->undo_pos,
                "index record round trip");
  }
  return 0;
}

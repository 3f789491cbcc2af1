// libFuzzer target: the four BIP152 decoders (sendcmpct, cmpctblock, getblocktxn, blocktxn) and
// the reconstruction that consumes them.
//
// Input: byte 0 picks the command, the rest is the payload. Properties: a decoded message
// re-encodes to a payload that decodes to the same message within the command's cap; decoded
// counts never exceed a block's transactions; rebuilding a decoded cmpctblock (from a pool of
// the transactions it prefilled, so short ids can match) reports only positions inside the
// block, and a rebuilt block has exactly that many transactions.
#include <array>

#include "fuzz_check.h"
#include "p2p/handlers/compact_blocks.h"
#include "p2p/wire/messages.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p;
using fuzz::Check;

constexpr std::array<std::string_view, 4> kCompactCommands = {"sendcmpct", "cmpctblock",
                                                               "getblocktxn", "blocktxn"};

void CheckReconstruction(const wire::CmpctBlock& compact) {
  compact::ExtraTxPool pool(64);
  for (const auto& prefilled : compact.prefilled) pool.Add(prefilled.tx);
  const compact::TxSource* sources[] = {&pool};
  const auto partial = compact::PartialBlock::Start(compact, sources);
  if (!partial) return;
  const auto missing = partial->Missing();
  for (const uint32_t index : missing) {
    Check(index < partial->transaction_count(), "missing index inside the block");
  }
  if (!missing.empty()) return;
  if (const auto block = partial->Finish({})) {
    Check(block->transactions.size() == partial->transaction_count(), "rebuilt size");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view command = kCompactCommands[data[0] % kCompactCommands.size()];
  const util::ByteSpan payload = fuzz::Input(data + 1, size - 1);
  const auto message = wire::DecodeMessage(command, payload);
  if (!message) return 0;
  const util::Bytes encoded = wire::Encode(*message);
  Check(encoded.size() <= wire::MaxPayloadSize(command), "encoding within the cap");
  const auto again = wire::DecodeMessage(command, encoded);
  Check(again.has_value() && *again == *message, "round trip");
  if (const auto* compact = std::get_if<wire::CmpctBlock>(&*message)) {
    Check(compact->short_ids.size() + compact->prefilled.size() <= wire::kMaxBlockTransactions,
          "count cap");
    CheckReconstruction(*compact);
  } else if (const auto* request = std::get_if<wire::GetBlockTxn>(&*message)) {
    Check(request->indexes.size() <= wire::kMaxBlockTransactions, "count cap");
  } else if (const auto* answer = std::get_if<wire::BlockTxn>(&*message)) {
    Check(answer->transactions.size() <= wire::kMaxBlockTransactions, "count cap");
  }
  return 0;
}

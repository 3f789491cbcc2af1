// libFuzzer target: every P2P message payload decoder.
//
// Input: byte 0 picks the command (one per entry of the command table, plus one unknown
// command), the rest is the payload. Property: if the payload decodes to m, then
// decode(encode(m)) == m, encode is stable, and the encoding respects the command's cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "p2p/wire/commands.h"
#include "p2p/wire/messages.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p::wire;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t pick = data[0] % (kCommandCount + 1);
  const std::string_view command = pick < kCommandCount ? kCommands[pick].name : "fuzzcmd";
  const util::ByteSpan payload(reinterpret_cast<const std::byte*>(data) + 1, size - 1);

  const auto message = DecodeMessage(command, payload);
  if (!message) return 0;
  Check(CommandName(*message) == command);
  const util::Bytes encoded = Encode(*message);
  Check(encoded.size() <= MaxPayloadSize(command));
  const auto again = DecodeMessage(command, encoded);
  Check(again.has_value());
  Check(*again == *message);
  Check(Encode(*again) == encoded);
  return 0;
}

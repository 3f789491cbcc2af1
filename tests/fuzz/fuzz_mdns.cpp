// Fuzzes the mDNS message decoder (--discover-local reads any packet sent to 224.0.0.251:5353 on
// the link). Properties: decoding never reads out of bounds nor loops; what decodes re-encodes
// (uncompressed) to a message that decodes again, with as many questions and records.
#include "fuzz_check.h"
#include "p2p/peerdb/mdns_message.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto message = p2p::mdns::Decode(fuzz::Input(data, size));
  if (!message) return 0;
  for (const auto& q : message->questions) {
    fuzz::Check(q.name.size() <= p2p::mdns::kMaxNameBytes, "question name bounded");
  }
  const auto bytes = p2p::mdns::Encode(*message);
  if (bytes.size() > p2p::mdns::kMaxPacket) return 0;  // uncompressed, it may not fit
  const auto again = p2p::mdns::Decode(bytes);
  fuzz::Check(again.has_value(), "re-encoded message decodes");
  fuzz::Check(again->questions.size() == message->questions.size() &&
                  again->answers.size() == message->answers.size(),
              "re-encoding keeps every question and record");
  return 0;
}

// libFuzzer target: the P2P frame decoder over an arbitrary byte stream.
//
// Input: byte 0 picks the chunk sizes the stream is fed in (1..256 bytes, cycling), the rest
// is the stream. Checks, for every input:
//   - chunked feeding yields exactly the frames and errors of one-shot feeding;
//   - the decoder never holds more than one frame and its payload capacity stays within twice
//     the payload bytes received;
//   - every frame whose payload decodes round-trips: decode(encode(m)) == m, and re-framing
//     gives a frame the decoder accepts with the same payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "p2p/wire/frame.h"
#include "p2p/wire/messages.h"

namespace {

using namespace parthenon;
using namespace parthenon::p2p::wire;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  std::vector<Frame> frames;
  std::vector<Error> errors;
  bool operator==(const Outcome&) const = default;
};

Outcome Run(util::ByteSpan stream, size_t chunk_seed) {
  FrameDecoder decoder(kMainMagic);
  Outcome out;
  size_t chunk = chunk_seed == 0 ? stream.size() : chunk_seed;
  while (true) {
    const util::ByteSpan piece = stream.first(std::min(chunk, stream.size()));
    const size_t used = decoder.Feed(piece);
    Check(used <= piece.size());
    stream = stream.subspan(used);
    // Payload memory: never more than twice what arrived (plus nothing for an empty buffer).
    const size_t payload_bytes =
        decoder.buffered_bytes() > kFrameHeaderSize ? decoder.buffered_bytes() - kFrameHeaderSize : 0;
    Check(decoder.payload_capacity() <= 2 * payload_bytes);
    auto next = decoder.Next();
    if (!next) {
      out.errors.push_back(next.error());
      if (decoder.failed()) break;
      continue;
    }
    if (*next) {
      out.frames.push_back(std::move(**next));
      continue;
    }
    if (stream.empty()) break;
    if (used == 0 && piece.empty()) break;
    if (chunk_seed != 0) chunk = 1 + (chunk * 31 + 7) % 256;
  }
  return out;
}

void CheckRoundTrip(const Frame& frame) {
  const auto message = DecodeMessage(frame.command, frame.payload);
  if (!message) return;
  const util::Bytes payload = Encode(*message);
  const auto again = DecodeMessage(frame.command, payload);
  Check(again.has_value());
  Check(*again == *message);
  const util::Bytes reframed = EncodeFrame(kMainMagic, *message);
  FrameDecoder decoder(kMainMagic);
  Check(decoder.Feed(reframed) == reframed.size());
  auto next = decoder.Next();
  Check(next.has_value() && next->has_value());
  Check((*next)->command == frame.command && (*next)->payload == payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const util::ByteSpan stream(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  const Outcome whole = Run(stream, 0);
  const Outcome chunked = Run(stream, 1 + data[0]);
  Check(whole == chunked);
  for (const Frame& frame : whole.frames) CheckRoundTrip(frame);
  return 0;
}

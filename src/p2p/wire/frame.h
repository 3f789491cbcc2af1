// Framing of P2P messages (DESIGN.md §3):
//
//   magic[4] | command[12], ASCII, NUL-padded | payload length u32 LE | SHA256d(payload)[0..4]
//
// followed by the payload. EncodeFrame() writes frames; FrameDecoder reads them from a byte
// stream delivered in chunks of any size (down to one byte). It is sans-I/O: the session owns
// the socket and hands the decoder whatever bytes arrived.
//
// The free functions are thread-safe (pure); FrameDecoder is thread-compatible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/sha256.h"
#include "p2p/wire/error.h"
#include "p2p/wire/messages.h"
#include "p2p/wire/protocol.h"
#include "util/bytes.h"

namespace parthenon::p2p::wire {

// One frame whose header and checksum were valid. The payload is not decoded yet: pass it to
// DecodeMessage(command, payload).
struct Frame {
  std::string command;
  util::Bytes payload;
  bool operator==(const Frame&) const = default;
};

// The first four bytes of SHA256d(payload).
std::array<std::byte, kChecksumSize> Checksum(util::ByteSpan payload);

// The command name in a 12-byte command field: printable ASCII (0x20..0x7e), then NUL padding
// only. nullopt for anything else. The view points into `field`.
std::optional<std::string_view> ParseCommandField(std::span<const std::byte, kCommandSize> field);

// A whole frame: header then payload.
// REQUIRES: `command` is at most 12 printable ASCII bytes; `payload` is at most 32 MiB.
util::Bytes EncodeFrame(const Magic& magic, std::string_view command, util::ByteSpan payload);
// The same with a checksum already known (e.g. verified when a stored block was read).
// REQUIRES: checksum == Checksum(payload).
util::Bytes EncodeFrame(const Magic& magic, std::string_view command, util::ByteSpan payload,
                        const std::array<std::byte, kChecksumSize>& checksum);
// The 24-byte header of a frame whose payload (`payload_size` bytes with `checksum`) is sent
// from elsewhere, e.g. straight from a stored block's file. REQUIRES: a valid command name.
std::array<std::byte, kFrameHeaderSize> EncodeFrameHeader(
    const Magic& magic, std::string_view command, uint32_t payload_size,
    const std::array<std::byte, kChecksumSize>& checksum);
// The frame carrying `message` (encoded in place: the payload is not copied).
util::Bytes EncodeFrame(const Magic& magic, const Message& message);

// Incremental frame decoder. Thread-compatible (one per connection, used by its reader).
//
//   Feed() consumes bytes up to the end of the current frame and no further, so the decoder
//   never holds more than one frame; Next() then hands out the frame or the error.
//
//            24 header bytes, valid           `length` payload bytes
//   kHeader ------------------------> kPayload ----------------------> kComplete
//     ^  |                                            | checksum bad        | Next(): frame
//     |  | header invalid                             v                     |
//     |  +--------------> kFailed (terminal)     kBadChecksum -- Next() ----+--> kHeader
//
// A bad header (magic, command, length above the cap of its command) is detected as soon as
// the 24th header byte arrives, before any payload is read, and is terminal: the stream cannot
// be resynchronised. A bad checksum drops only that frame; the stream stays in sync.
//
// Memory: the payload buffer grows only as payload bytes arrive (its capacity at most doubles,
// capped at the announced length), so a header that claims 32 MiB costs nothing until the
// bytes are actually received: capacity <= 2 × payload bytes received (buffered_bytes()).
//
// The checksum is computed as the payload arrives (each chunk is hashed while it is still in
// the cache, once), so a complete frame costs no second pass over its payload.
class FrameDecoder {
 public:
  explicit FrameDecoder(const Magic& magic) : magic_(magic) {}

  // Consumes a prefix of `data` (up to the end of the current frame); returns its length.
  // Consumes nothing while a frame or an error waits for Next(), or after a terminal error.
  size_t Feed(util::ByteSpan data);

  // The next complete frame, nullopt if more bytes are needed, or the error that ended the
  // current frame. After kBadChecksum decoding continues with the next frame; after any
  // other error the decoder is failed and Next() keeps returning that error.
  [[nodiscard]] Result<std::optional<Frame>> Next();

  bool failed() const { return state_ == State::kFailed; }
  // A header was read and its payload is still arriving; payload_length() is what it claims.
  bool in_payload() const { return state_ == State::kPayload; }
  uint32_t payload_length() const { return payload_length_; }
  // Bytes of the current frame held so far (header and payload).
  size_t buffered_bytes() const { return header_size_ + payload_.size(); }
  // Memory reserved for the current payload.
  size_t payload_capacity() const { return payload_.capacity(); }

 private:
  enum class State { kHeader, kPayload, kComplete, kBadChecksum, kFailed };

  void ParseHeader();
  void TakePayload(util::ByteSpan bytes);
  void FinishPayload();
  void Fail(Error error);
  void Reset();

  // Constant after construction.
  const Magic magic_;

  State state_ = State::kHeader;
  std::array<std::byte, kFrameHeaderSize> header_{};
  size_t header_size_ = 0;
  // Valid from kPayload on.
  std::string command_;
  uint32_t payload_length_ = 0;
  std::array<std::byte, kChecksumSize> checksum_{};
  util::Bytes payload_;
  crypto::Sha256 payload_hash_;  // SHA256 of the payload bytes received so far
  Error error_ = Error::kBadMagic;  // valid in kFailed
};

}  // namespace parthenon::p2p::wire

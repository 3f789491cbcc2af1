// Errors of the wire layer: every rule a frame or a message payload can break, one value per
// rule, so the peer layer can tell the peer what it did and score it. Thread-safe (pure).
#pragma once

#include <expected>
#include <string_view>

#include "primitives/serialize.h"

namespace parthenon::p2p::wire {

enum class Error {
  // Framing: the byte stream itself is wrong.
  kBadMagic,         // the frame does not start with our network's magic
  kBadCommand,       // command with a non-printable byte, or a non-NUL byte after the padding
  kOversizeMessage,  // header claims more than the 32 MiB absolute cap
  kPayloadTooLarge,  // header claims more than this command's cap
  kBadChecksum,      // SHA256d(payload)[0..4] differs from the header
  // Payload encoding.
  kTruncated,                // payload ends inside a field
  kTrailingBytes,            // payload continues after the message
  kNonCanonicalCompactSize,  // a CompactSize not in its shortest form
  kBadTransaction,           // a transaction with an invalid segwit encoding
  // Payload rules.
  kTooManyEntries,          // addr/inv/getdata/notfound/headers/locator count above its cap
  kFieldTooLarge,           // user agent, reject strings or a script above its cap
  kHeadersTxCountNonZero,   // a `headers` entry whose transaction count is not 0
};
std::string_view ToString(Error error);

// How the peer layer should treat an error.
enum class ErrorCategory {
  // Malformed bytes: a broken or buggy encoder (or line corruption). The message is dropped.
  kInvalidMessage,
  // A rule a correct peer never breaks: wrong network, caps exceeded. Scored as misbehavior.
  kProtocolViolation,
};
ErrorCategory Category(Error error);

template <class T>
using Result = std::expected<T, Error>;

// The wire error for a serialization error of the primitives layer.
Error FromSerializeError(primitives::Error error);

}  // namespace parthenon::p2p::wire

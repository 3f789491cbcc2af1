#include "p2p/wire/error.h"

namespace parthenon::p2p::wire {

std::string_view ToString(Error error) {
  switch (error) {
    case Error::kBadMagic:
      return "frame does not start with the network magic";
    case Error::kBadCommand:
      return "malformed command name";
    case Error::kOversizeMessage:
      return "payload length above the 32 MiB message cap";
    case Error::kPayloadTooLarge:
      return "payload length above the command's cap";
    case Error::kBadChecksum:
      return "payload checksum mismatch";
    case Error::kTruncated:
      return "payload ends inside a field";
    case Error::kTrailingBytes:
      return "trailing bytes after the message";
    case Error::kNonCanonicalCompactSize:
      return "non-canonical CompactSize";
    case Error::kBadTransaction:
      return "invalid transaction encoding";
    case Error::kTooManyEntries:
      return "entry count above the command's cap";
    case Error::kFieldTooLarge:
      return "field longer than its cap";
    case Error::kHeadersTxCountNonZero:
      return "headers entry with a non-zero transaction count";
  }
  return "unknown wire error";
}

ErrorCategory Category(Error error) {
  switch (error) {
    case Error::kBadChecksum:
    case Error::kTruncated:
    case Error::kTrailingBytes:
    case Error::kNonCanonicalCompactSize:
    case Error::kBadTransaction:
      return ErrorCategory::kInvalidMessage;
    case Error::kBadMagic:
    case Error::kBadCommand:
    case Error::kOversizeMessage:
    case Error::kPayloadTooLarge:
    case Error::kTooManyEntries:
    case Error::kFieldTooLarge:
    case Error::kHeadersTxCountNonZero:
      return ErrorCategory::kProtocolViolation;
  }
  return ErrorCategory::kProtocolViolation;
}

Error FromSerializeError(primitives::Error error) {
  switch (error) {
    case primitives::Error::kTruncated:
      return Error::kTruncated;
    case primitives::Error::kNonCanonicalCompactSize:
      return Error::kNonCanonicalCompactSize;
    case primitives::Error::kSizeTooLarge:
      return Error::kFieldTooLarge;
    case primitives::Error::kCountTooLarge:
      return Error::kTooManyEntries;
    case primitives::Error::kTrailingBytes:
      return Error::kTrailingBytes;
    case primitives::Error::kBadWitnessFlag:
    case primitives::Error::kSuperfluousWitness:
      return Error::kBadTransaction;
  }
  return Error::kTruncated;
}

}  // namespace parthenon::p2p::wire

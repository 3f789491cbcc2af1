#include "primitives/serialize.h"

#include <algorithm>

namespace parthenon::primitives {

std::string_view ToString(Error error) {
  switch (error) {
    case Error::kTruncated:
      return "input ends inside a field";
    case Error::kNonCanonicalCompactSize:
      return "non-canonical CompactSize";
    case Error::kSizeTooLarge:
      return "length above its limit";
    case Error::kCountTooLarge:
      return "element count above its limit or beyond the input";
    case Error::kTrailingBytes:
      return "trailing bytes after the object";
    case Error::kBadWitnessFlag:
      return "unknown segwit flag";
    case Error::kSuperfluousWitness:
      return "witness flag set but no witness data";
  }
  return "unknown serialization error";
}

void Writer::CompactSize(uint64_t value) {
  if (value < 0xfd) {
    U8(static_cast<uint8_t>(value));
  } else if (value <= 0xffff) {
    U8(0xfd);
    U16(static_cast<uint16_t>(value));
  } else if (value <= 0xffffffff) {
    U8(0xfe);
    U32(static_cast<uint32_t>(value));
  } else {
    U8(0xff);
    U64(value);
  }
}

void Writer::VarBytes(util::ByteSpan bytes) {
  CompactSize(bytes.size());
  Raw(bytes);
}

void Reader::Fail(Error error) {
  if (!error_) error_ = error;
  pos_ = data_.size();
}

bool Reader::Need(size_t size) {
  if (error_) return false;
  if (remaining() < size) {
    Fail(Error::kTruncated);
    return false;
  }
  return true;
}

uint64_t Reader::CompactSize(uint64_t max) {
  const uint8_t first = U8();
  uint64_t value = first;
  uint64_t minimum = 0;
  if (first == 0xfd) {
    value = U16();
    minimum = 0xfd;
  } else if (first == 0xfe) {
    value = U32();
    minimum = 0x10000;
  } else if (first == 0xff) {
    value = U64();
    minimum = 0x100000000ull;
  }
  if (!ok()) return 0;
  if (value < minimum) {
    Fail(Error::kNonCanonicalCompactSize);
    return 0;
  }
  if (value > std::min(max, kMaxSize)) {
    Fail(Error::kSizeTooLarge);
    return 0;
  }
  return value;
}

size_t Reader::Count(size_t max_count, size_t min_element_size) {
  const uint64_t count = CompactSize();
  if (!ok()) return 0;
  if (count > max_count || count * std::max<size_t>(1, min_element_size) > remaining()) {
    Fail(Error::kCountTooLarge);
    return 0;
  }
  return static_cast<size_t>(count);
}

util::ByteSpan Reader::Raw(size_t size) {
  if (!Need(size)) return {};
  const util::ByteSpan out = data_.subspan(pos_, size);
  pos_ += size;
  return out;
}

util::Bytes Reader::VarBytes(size_t max_size) {
  const uint64_t size = CompactSize(max_size);
  if (!ok()) return {};
  // Checked before allocating: a length larger than the input is truncation, not an allocation.
  if (size > remaining()) {
    Fail(Error::kTruncated);
    return {};
  }
  return util::ToBytes(Raw(static_cast<size_t>(size)));
}

crypto::Uint256 Reader::Hash() {
  const util::ByteSpan bytes = Raw(crypto::Uint256::kSize);
  if (!ok()) return {};
  return crypto::Uint256(bytes.first<crypto::Uint256::kSize>());
}

Result<void> Reader::Finish() const {
  if (error_) return std::unexpected(*error_);
  if (remaining() != 0) return std::unexpected(Error::kTrailingBytes);
  return {};
}

}  // namespace parthenon::primitives

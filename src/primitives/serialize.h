// Bitcoin serialization: little-endian integers, CompactSize lengths, byte vectors.
//
// Reader has sticky errors: after the first failure every read returns a zero value and the
// reader stays failed, so a decoder reads field after field and checks once, at Finish(). Every
// length or count read from input is checked against a cap *and* against the bytes remaining
// before anything is allocated, so a decoder never allocates more than its input can fill.
//
// Thread-compatible. A Reader holds a view of its input: the input must outlive the Reader and
// every ByteSpan it returns.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

#include "crypto/uint256.h"
#include "util/bytes.h"

namespace parthenon::primitives {

enum class Error {
  kTruncated,                // input ended inside a field
  kNonCanonicalCompactSize,  // a CompactSize not in its shortest form
  kSizeTooLarge,             // a length above its cap (or above 32 MiB)
  kCountTooLarge,            // an element count above its cap or beyond the remaining input
  kTrailingBytes,            // bytes left after a complete object
  kBadWitnessFlag,           // segwit flag byte other than 1
  kSuperfluousWitness,       // witness flag set but every witness empty
};
std::string_view ToString(Error error);

template <class T>
using Result = std::expected<T, Error>;

// Bitcoin's MAX_SIZE: no length or count on the wire may exceed it.
inline constexpr uint64_t kMaxSize = 0x02000000;

// Bytes a CompactSize encoding of `value` takes.
constexpr size_t CompactSizeLength(uint64_t value) {
  return value < 0xfd ? 1 : value <= 0xffff ? 3 : value <= 0xffffffff ? 5 : 9;
}

class Writer {
 public:
  Writer() = default;
  // Reuses `buffer`'s capacity; its contents are cleared.
  explicit Writer(util::Bytes buffer) : out_(std::move(buffer)) { out_.clear(); }

  void U8(uint8_t value) { out_.push_back(std::byte{value}); }
  void U16(uint16_t value) { Int(value); }
  void U32(uint32_t value) { Int(value); }
  void U64(uint64_t value) { Int(value); }
  void I32(int32_t value) { Int(static_cast<uint32_t>(value)); }
  void I64(int64_t value) { Int(static_cast<uint64_t>(value)); }
  void CompactSize(uint64_t value);
  void Raw(util::ByteSpan bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  // CompactSize length, then the bytes.
  void VarBytes(util::ByteSpan bytes);
  void Hash(const crypto::Uint256& hash) { Raw(hash.span()); }

  void Reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }
  const util::Bytes& bytes() const { return out_; }
  util::Bytes Take() { return std::move(out_); }

 private:
  template <std::unsigned_integral T>
  void Int(T value) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    util::WriteLE<T>(out_.data() + at, value);
  }

  util::Bytes out_;
};

class Reader {
 public:
  explicit Reader(util::ByteSpan data) : data_(data) {}

  uint8_t U8() { return Int<uint8_t>(); }
  uint16_t U16() { return Int<uint16_t>(); }
  uint32_t U32() { return Int<uint32_t>(); }
  uint64_t U64() { return Int<uint64_t>(); }
  int32_t I32() { return static_cast<int32_t>(Int<uint32_t>()); }
  int64_t I64() { return static_cast<int64_t>(Int<uint64_t>()); }
  // Canonical (shortest-form) CompactSize no larger than `max`.
  uint64_t CompactSize(uint64_t max = kMaxSize);
  // A CompactSize element count, capped at `max_count` and at what the remaining input could
  // hold if each element takes at least `min_element_size` bytes.
  size_t Count(size_t max_count, size_t min_element_size);
  // The next `size` bytes, as a view into the input.
  util::ByteSpan Raw(size_t size);
  // A CompactSize length (at most `max_size`), then that many bytes.
  util::Bytes VarBytes(size_t max_size = kMaxSize);
  crypto::Uint256 Hash();

  bool ok() const { return !error_.has_value(); }
  std::optional<Error> error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }

  // Records `error` (the first error wins) and stops further reads.
  void Fail(Error error);

  // Ends a decode: the first error, if any; else kTrailingBytes unless the input is consumed.
  [[nodiscard]] Result<void> Finish() const;

 private:
  template <std::unsigned_integral T>
  T Int() {
    if (!Need(sizeof(T))) return 0;
    const T value = util::ReadLE<T>(data_.data() + pos_);
    pos_ += sizeof(T);
    return value;
  }
  // True if `size` more bytes are available; otherwise fails with kTruncated.
  bool Need(size_t size);

  util::ByteSpan data_;
  size_t pos_ = 0;
  std::optional<Error> error_;
};

// Runs `read` over all of `data`; the result if it consumed everything without error.
template <class T, class ReadFn>
Result<T> DecodeAll(util::ByteSpan data, ReadFn read) {
  Reader reader(data);
  T value = read(reader);
  if (auto finished = reader.Finish(); !finished) return std::unexpected(finished.error());
  return value;
}

}  // namespace parthenon::primitives

#include "p2p/wire/frame.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "crypto/sha256.h"
#include "p2p/wire/commands.h"
#include "primitives/serialize.h"

namespace parthenon::p2p::wire {
namespace {

constexpr size_t kCommandOffset = kMagicSize;
constexpr size_t kLengthOffset = kCommandOffset + kCommandSize;
constexpr size_t kChecksumOffset = kLengthOffset + 4;

bool IsValidCommandName(std::string_view command) {
  return command.size() <= kCommandSize &&
         std::all_of(command.begin(), command.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Fills the header in front of an already written payload.
void WriteHeader(util::MutableByteSpan header, const Magic& magic, std::string_view command,
                 size_t payload_size, const std::array<std::byte, kChecksumSize>& checksum) {
  assert(IsValidCommandName(command));
  assert(payload_size <= kMaxMessageSize);
  std::memcpy(header.data(), magic.data(), kMagicSize);
  std::memset(header.data() + kCommandOffset, 0, kCommandSize);
  std::memcpy(header.data() + kCommandOffset, command.data(), command.size());
  util::WriteLE<uint32_t>(header.data() + kLengthOffset, static_cast<uint32_t>(payload_size));
  std::memcpy(header.data() + kChecksumOffset, checksum.data(), kChecksumSize);
}

}  // namespace

std::array<std::byte, kChecksumSize> Checksum(util::ByteSpan payload) {
  const crypto::Uint256 hash = crypto::Sha256d(payload);
  std::array<std::byte, kChecksumSize> checksum;
  std::memcpy(checksum.data(), hash.data(), kChecksumSize);
  return checksum;
}

std::optional<std::string_view> ParseCommandField(std::span<const std::byte, kCommandSize> field) {
  const std::string_view chars = util::AsChars(field);
  const size_t end = std::min(chars.find('\0'), kCommandSize);
  const std::string_view name = chars.substr(0, end);
  if (!IsValidCommandName(name)) return std::nullopt;
  if (chars.find_first_not_of('\0', end) != std::string_view::npos) return std::nullopt;
  return name;
}

util::Bytes EncodeFrame(const Magic& magic, std::string_view command, util::ByteSpan payload) {
  return EncodeFrame(magic, command, payload, Checksum(payload));
}

util::Bytes EncodeFrame(const Magic& magic, std::string_view command, util::ByteSpan payload,
                        const std::array<std::byte, kChecksumSize>& checksum) {
  util::Bytes frame(kFrameHeaderSize + payload.size());
  std::copy(payload.begin(), payload.end(), frame.begin() + kFrameHeaderSize);
  WriteHeader(frame, magic, command, payload.size(), checksum);
  return frame;
}

util::Bytes EncodeFrame(const Magic& magic, const Message& message) {
  primitives::Writer out;
  out.Raw(std::array<std::byte, kFrameHeaderSize>{});
  EncodeTo(out, message);
  util::Bytes frame = out.Take();
  const util::ByteSpan payload = util::ByteSpan(frame).subspan(kFrameHeaderSize);
  WriteHeader(util::MutableByteSpan(frame).first(kFrameHeaderSize), magic, CommandName(message),
              payload.size(), Checksum(payload));
  return frame;
}

std::array<std::byte, kFrameHeaderSize> EncodeFrameHeader(
    const Magic& magic, std::string_view command, uint32_t payload_size,
    const std::array<std::byte, kChecksumSize>& checksum) {
  std::array<std::byte, kFrameHeaderSize> header;
  WriteHeader(header, magic, command, payload_size, checksum);
  return header;
}

size_t FrameDecoder::Feed(util::ByteSpan data) {
  size_t used = 0;
  if (state_ == State::kHeader) {
    used = std::min(kFrameHeaderSize - header_size_, data.size());
    std::memcpy(header_.data() + header_size_, data.data(), used);
    header_size_ += used;
    if (header_size_ < kFrameHeaderSize) return used;
    ParseHeader();
  }
  if (state_ == State::kPayload) {
    const size_t take = std::min<size_t>(payload_length_ - payload_.size(), data.size() - used);
    TakePayload(data.subspan(used, take));
    used += take;
    if (payload_.size() == payload_length_) FinishPayload();
  }
  return used;
}

void FrameDecoder::ParseHeader() {
  if (!std::equal(magic_.begin(), magic_.end(), header_.begin())) return Fail(Error::kBadMagic);
  const auto command =
      ParseCommandField(std::span<const std::byte, kCommandSize>(header_.data() + kCommandOffset,
                                                                 kCommandSize));
  if (!command) return Fail(Error::kBadCommand);
  const uint32_t length = util::ReadLE<uint32_t>(header_.data() + kLengthOffset);
  if (length > kMaxMessageSize) return Fail(Error::kOversizeMessage);
  if (length > MaxPayloadSize(*command)) return Fail(Error::kPayloadTooLarge);
  command_ = std::string(*command);
  payload_length_ = length;
  std::memcpy(checksum_.data(), header_.data() + kChecksumOffset, kChecksumSize);
  state_ = State::kPayload;
  if (payload_length_ == 0) FinishPayload();
}

void FrameDecoder::TakePayload(util::ByteSpan bytes) {
  const size_t needed = payload_.size() + bytes.size();
  if (needed > payload_.capacity()) {
    // Doubling keeps copying linear; the cap keeps memory proportional to received bytes.
    payload_.reserve(std::min<size_t>(payload_length_, std::max(needed, 2 * payload_.capacity())));
  }
  payload_.insert(payload_.end(), bytes.begin(), bytes.end());
  payload_hash_.Write(bytes);
}

void FrameDecoder::FinishPayload() {
  const crypto::Digest first = payload_hash_.Finalize();  // resets the hasher
  const crypto::Digest second = crypto::Sha256Hash(first);
  state_ = std::equal(checksum_.begin(), checksum_.end(), second.begin()) ? State::kComplete
                                                                          : State::kBadChecksum;
}

void FrameDecoder::Fail(Error error) {
  error_ = error;
  state_ = State::kFailed;
}

void FrameDecoder::Reset() {
  state_ = State::kHeader;
  header_size_ = 0;
  command_.clear();
  payload_length_ = 0;
  payload_ = util::Bytes();
  payload_hash_.Reset();
}

Result<std::optional<Frame>> FrameDecoder::Next() {
  switch (state_) {
    case State::kHeader:
    case State::kPayload:
      return std::nullopt;
    case State::kComplete: {
      Frame frame{std::move(command_), std::move(payload_)};
      Reset();
      return frame;
    }
    case State::kBadChecksum:
      Reset();
      return std::unexpected(Error::kBadChecksum);
    case State::kFailed:
      return std::unexpected(error_);
  }
  return std::unexpected(error_);
}

}  // namespace parthenon::p2p::wire

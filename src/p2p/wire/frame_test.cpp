#include "p2p/wire/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "p2p/wire/test_messages.h"
#include "util/hex.h"

namespace parthenon::p2p::wire {
namespace {

using util::Bytes;
using util::ByteSpan;

// Everything a decoder yields for one stream: the frames, then the error that stopped it.
struct Decoded {
  std::vector<Frame> frames;
  std::vector<Error> errors;
};

// Feeds `chunk` to `decoder`, collecting frames and errors; stops at a terminal error.
void FeedChunk(FrameDecoder& decoder, ByteSpan chunk, Decoded& out) {
  while (true) {
    chunk = chunk.subspan(decoder.Feed(chunk));
    auto next = decoder.Next();
    if (!next) {
      out.errors.push_back(next.error());
      if (decoder.failed()) return;
      continue;
    }
    if (!*next) {
      EXPECT_TRUE(chunk.empty());
      return;
    }
    out.frames.push_back(std::move(**next));
  }
}

Decoded DecodeInChunks(ByteSpan stream, const std::vector<size_t>& cuts) {
  FrameDecoder decoder(kMainMagic);
  Decoded out;
  size_t start = 0;
  for (size_t cut : cuts) {
    FeedChunk(decoder, stream.subspan(start, cut - start), out);
    start = cut;
  }
  FeedChunk(decoder, stream.subspan(start), out);
  return out;
}

Decoded DecodeStream(ByteSpan stream) { return DecodeInChunks(stream, {}); }

Bytes Header(std::string_view command, uint32_t length, std::string_view checksum_hex = "00000000") {
  Bytes header = EncodeFrame(kMainMagic, command, {});
  util::WriteLE<uint32_t>(header.data() + 16, length);
  const Bytes checksum = util::HexToBytes(checksum_hex);
  std::copy(checksum.begin(), checksum.end(), header.begin() + 20);
  return header;
}

// A long stream of frames of every message type, in random order.
std::vector<Message> RandomMessages(uint64_t seed, size_t rounds) {
  std::mt19937_64 rng(seed);
  std::vector<Message> messages;
  for (size_t i = 0; i < rounds; ++i) {
    for (Message& m : test::SampleMessages(rng)) {
      // Blocks are large; keep a few so the every-split test stays quick.
      if (!std::holds_alternative<BlockMessage>(m) || i == 0) messages.push_back(std::move(m));
    }
  }
  std::shuffle(messages.begin(), messages.end(), rng);
  return messages;
}

Bytes Concatenate(const std::vector<Message>& messages) {
  Bytes stream;
  for (const Message& m : messages) {
    const Bytes frame = EncodeFrame(kMainMagic, m);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  return stream;
}

void ExpectMessages(const Decoded& decoded, const std::vector<Message>& messages) {
  ASSERT_TRUE(decoded.errors.empty()) << ToString(decoded.errors[0]);
  ASSERT_EQ(decoded.frames.size(), messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto message = DecodeMessage(decoded.frames[i].command, decoded.frames[i].payload);
    ASSERT_TRUE(message) << ToString(message.error());
    ASSERT_EQ(*message, messages[i]);
  }
}

TEST(FrameTest, ParseCommandField) {
  // Copies the result out: ParseCommandField returns a view into the field.
  auto parse = [](std::string_view text) -> std::optional<std::string> {
    std::array<std::byte, kCommandSize> field{};
    std::copy_n(util::AsBytes(text).begin(), text.size(), field.begin());
    const auto name = ParseCommandField(field);
    if (!name) return std::nullopt;
    return std::string(*name);
  };
  EXPECT_EQ(parse("version"), "version");
  EXPECT_EQ(parse("abcdefghijkl"), "abcdefghijkl");
  EXPECT_EQ(parse(""), "");
  EXPECT_EQ(parse(std::string_view("ver\0ack", 7)), std::nullopt);
  EXPECT_EQ(parse("ver\x01"), std::nullopt);
  EXPECT_EQ(parse("ver\x7f"), std::nullopt);
  EXPECT_EQ(parse("v\xe9rsion"), std::nullopt);
}

TEST(FrameTest, RandomStreamDecodesAtEverySplitPosition) {
  const std::vector<Message> messages = RandomMessages(11, 3);
  const Bytes stream = Concatenate(messages);
  ASSERT_GT(stream.size(), 1000u);
  ExpectMessages(DecodeStream(stream), messages);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    const Decoded decoded = DecodeInChunks(stream, {cut});
    ASSERT_EQ(decoded.frames.size(), messages.size()) << "cut at " << cut;
    ASSERT_TRUE(decoded.errors.empty()) << "cut at " << cut;
  }
  for (size_t cut = 0; cut <= stream.size(); cut += 97) {
    ExpectMessages(DecodeInChunks(stream, {cut}), messages);
  }
}

TEST(FrameTest, RandomStreamDecodesOneByteAtATimeAndInRandomChunks) {
  const std::vector<Message> messages = RandomMessages(12, 20);
  const Bytes stream = Concatenate(messages);
  std::vector<size_t> every_byte(stream.size());
  for (size_t i = 0; i < stream.size(); ++i) every_byte[i] = i;
  ExpectMessages(DecodeInChunks(stream, every_byte), messages);

  std::mt19937_64 rng(13);
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = rng() % 200; at < stream.size(); at += rng() % 200) cuts.push_back(at);
    ExpectMessages(DecodeInChunks(stream, cuts), messages);
  }
}

TEST(FrameTest, DecoderTakesNoMoreThanOneFrame) {
  const Bytes stream = Concatenate({Ping{1}, Ping{2}});
  FrameDecoder decoder(kMainMagic);
  EXPECT_EQ(decoder.Feed(stream), 32u);
  EXPECT_EQ(decoder.Feed(ByteSpan(stream).subspan(32)), 0u);  // frame waits for Next()
  EXPECT_EQ(decoder.buffered_bytes(), 32u);
  auto first = decoder.Next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(DecodeMessage((*first)->command, (*first)->payload), Message(Ping{1}));
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
  EXPECT_EQ(decoder.Feed(ByteSpan(stream).subspan(32)), 32u);
}

TEST(FrameTest, GarbageIsBadMagic) {
  const Bytes garbage = util::ToBytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
  const Decoded decoded = DecodeStream(garbage);
  ASSERT_EQ(decoded.errors, std::vector{Error::kBadMagic});
  EXPECT_TRUE(decoded.frames.empty());
}

TEST(FrameTest, WrongNetworkIsBadMagic) {
  const Bytes frame = EncodeFrame(kTestnetMagic, Verack{});
  EXPECT_EQ(DecodeStream(frame).errors, std::vector{Error::kBadMagic});
}

TEST(FrameTest, BadCommands) {
  Bytes inner_nul = Header("verack", 0, "5df6e0e2");
  inner_nul[4 + 3] = std::byte{0};  // "ver\0ck"
  EXPECT_EQ(DecodeStream(inner_nul).errors, std::vector{Error::kBadCommand});
  Bytes control = Header("verack", 0, "5df6e0e2");
  control[4] = std::byte{0x0a};
  EXPECT_EQ(DecodeStream(control).errors, std::vector{Error::kBadCommand});
}

TEST(FrameTest, OversizeLengthsAreRejectedFromTheHeader) {
  FrameDecoder decoder(kMainMagic);
  const Bytes header = Header("foo", kMaxMessageSize + 1);
  EXPECT_EQ(decoder.Feed(header), header.size());
  EXPECT_EQ(decoder.Next().error(), Error::kOversizeMessage);
  EXPECT_EQ(decoder.payload_capacity(), 0u);
  // Terminal: nothing more is consumed and the error stays.
  EXPECT_EQ(decoder.Feed(header), 0u);
  EXPECT_EQ(decoder.Next().error(), Error::kOversizeMessage);
  EXPECT_TRUE(decoder.failed());

  EXPECT_EQ(DecodeStream(Header("ping", 9)).errors, std::vector{Error::kPayloadTooLarge});
  EXPECT_EQ(DecodeStream(Header("version", kMaxVersionSize + 1)).errors,
            std::vector{Error::kPayloadTooLarge});
  EXPECT_EQ(DecodeStream(Header("block", kMaxBlockMessageSize + 1)).errors,
            std::vector{Error::kPayloadTooLarge});
  EXPECT_EQ(DecodeStream(Header("headers", kMaxHeadersSize + 1)).errors,
            std::vector{Error::kPayloadTooLarge});
  EXPECT_EQ(DecodeStream(Header("inv", kMaxInvSize + 1)).errors,
            std::vector{Error::kPayloadTooLarge});
  EXPECT_TRUE(DecodeStream(Header("block", kMaxBlockMessageSize)).errors.empty());
}

TEST(FrameTest, BadChecksumDropsOnlyThatFrame) {
  Bytes stream = Concatenate({Ping{1}, Ping{2}, Pong{3}});
  stream[24 + 32] ^= std::byte{1};  // first payload byte of the second frame
  const Decoded decoded = DecodeStream(stream);
  EXPECT_EQ(decoded.errors, std::vector{Error::kBadChecksum});
  ASSERT_EQ(decoded.frames.size(), 2u);
  EXPECT_EQ(DecodeMessage(decoded.frames[1].command, decoded.frames[1].payload),
            Message(Pong{3}));
}

TEST(FrameTest, TruncatedPayloadWaitsForMoreBytes) {
  const Bytes frame = EncodeFrame(kMainMagic, Ping{5});
  FrameDecoder decoder(kMainMagic);
  EXPECT_EQ(decoder.Feed(ByteSpan(frame).first(frame.size() - 1)), frame.size() - 1);
  EXPECT_EQ(decoder.Next(), std::nullopt);
  EXPECT_EQ(decoder.buffered_bytes(), frame.size() - 1);
  EXPECT_EQ(decoder.Feed(ByteSpan(frame).last(1)), 1u);
  auto next = decoder.Next();
  ASSERT_TRUE(next && *next);
}

TEST(FrameTest, PayloadErrorsSurfaceFromDecodeMessage) {
  // The frame is sound, the payload inside it is not: frame errors and message errors differ.
  const Bytes truncated_inv = util::HexToBytes("02" "01000000" + std::string(64, '0'));
  const Bytes trailing_ping = util::HexToBytes("0100000000000000");
  const Decoded decoded = DecodeStream(EncodeFrame(kMainMagic, "inv", truncated_inv));
  ASSERT_EQ(decoded.frames.size(), 1u);
  EXPECT_EQ(DecodeMessage("inv", decoded.frames[0].payload).error(), Error::kTruncated);
  Bytes inv_trailing = util::HexToBytes("01" "01000000" + std::string(64, '0') + "ff");
  EXPECT_EQ(DecodeMessage("inv", DecodeStream(EncodeFrame(kMainMagic, "inv", inv_trailing))
                                     .frames.at(0)
                                     .payload)
                .error(),
            Error::kTrailingBytes);
  EXPECT_TRUE(DecodeMessage("ping", trailing_ping));
}

// A header that claims 32 MiB followed by 10 bytes commits memory for those 10 bytes only.
TEST(FrameTest, MemoryIsCommittedOnlyAsPayloadArrives) {
  for (std::string_view command : {"unknowncmd", "block", "tx", "inv"}) {
    FrameDecoder decoder(kMainMagic);
    const uint32_t claimed = MaxPayloadSize(command);
    const Bytes header = Header(command, claimed);
    ASSERT_EQ(decoder.Feed(header), header.size());
    EXPECT_EQ(decoder.payload_capacity(), 0u);
    const Bytes ten(10, std::byte{0x42});
    ASSERT_EQ(decoder.Feed(ten), 10u);
    EXPECT_EQ(decoder.Next(), std::nullopt);
    EXPECT_EQ(decoder.buffered_bytes(), kFrameHeaderSize + 10);
    EXPECT_LE(decoder.payload_capacity(), 10u) << command;
  }
}

TEST(FrameTest, CapacityStaysWithinTwiceTheBytesReceived) {
  FrameDecoder decoder(kMainMagic);
  ASSERT_EQ(decoder.Feed(Header("block", MaxPayloadSize("block"))), kFrameHeaderSize);
  const Bytes chunk(1000, std::byte{1});
  size_t received = 0;
  for (int i = 0; i < 300; ++i) {
    const size_t size = 1 + (i * 7919) % chunk.size();
    ASSERT_EQ(decoder.Feed(ByteSpan(chunk).first(size)), size);
    received += size;
    ASSERT_LE(decoder.payload_capacity(), 2 * received);
  }
  EXPECT_EQ(decoder.buffered_bytes(), kFrameHeaderSize + received);
}

TEST(FrameTest, EncodeFrameOfRawPayloadMatchesMessageFrame) {
  const Message ping = Ping{0x1122334455667788};
  EXPECT_EQ(EncodeFrame(kRegtestMagic, "ping", Encode(ping)), EncodeFrame(kRegtestMagic, ping));
  const Message unknown = Unknown{"abcdefghijkl", util::ToBytes("hi")};
  const Decoded decoded = [&] {
    FrameDecoder decoder(kRegtestMagic);
    Decoded out;
    FeedChunk(decoder, EncodeFrame(kRegtestMagic, unknown), out);
    return out;
  }();
  ASSERT_EQ(decoded.frames.size(), 1u);
  EXPECT_EQ(DecodeMessage(decoded.frames[0].command, decoded.frames[0].payload), unknown);
}

}  // namespace
}  // namespace parthenon::p2p::wire

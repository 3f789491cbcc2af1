// Byte-exact vectors from the Bitcoin developer reference (P2P network messages) and the first
// two headers of the Bitcoin chain.
#include <gtest/gtest.h>

#include "p2p/wire/frame.h"
#include "p2p/wire/messages.h"
#include "primitives/test_data.h"
#include "util/hex.h"

namespace parthenon::p2p::wire {
namespace {

using util::Bytes;
using util::HexToBytes;
using util::ToHex;

crypto::Uint256 Hash(std::string_view display_hex) { return *crypto::Uint256::FromHex(display_hex); }

// Decodes exactly one frame of `bytes` with the mainnet decoder.
Frame DecodeOneFrame(const Bytes& bytes) {
  FrameDecoder decoder(kMainMagic);
  EXPECT_EQ(decoder.Feed(bytes), bytes.size());
  auto frame = decoder.Next();
  EXPECT_TRUE(frame && *frame);
  return frame && *frame ? **frame : Frame{};
}

TEST(VectorsTest, EmptyPayloadChecksum) {
  EXPECT_EQ(ToHex(Checksum({})), "5df6e0e2");
}

// Developer reference, "Message Headers": a verack.
TEST(VectorsTest, Verack) {
  const std::string hex = "f9beb4d9" "76657261636b000000000000" "00000000" "5df6e0e2";
  EXPECT_EQ(ToHex(EncodeFrame(kMainMagic, Verack{})), hex);
  const Frame frame = DecodeOneFrame(HexToBytes(hex));
  EXPECT_EQ(frame.command, "verack");
  EXPECT_EQ(DecodeMessage(frame.command, frame.payload), Message(Verack{}));
}

// Developer reference, "version": protocol 70002, /Satoshi:0.9.3/, height 329167, with the
// header (checksum 5f1a69d2).
TEST(VectorsTest, Version) {
  const std::string payload_hex =
      "72110100"                                                        // version 70002
      "0100000000000000"                                                // NODE_NETWORK
      "bc8f5e5400000000"                                                // 1415483324
      "0100000000000000" "00000000000000000000ffffc61b6409" "208d"      // addr_recv
      "0100000000000000" "00000000000000000000ffffcb0071c0" "208d"      // addr_from
      "128035cbc97953f8"                                                // nonce
      "0f" "2f5361746f7368693a302e392e332f"                             // user agent
      "cf050500"                                                        // start height
      "01";                                                             // relay
  const std::string frame_hex =
      "f9beb4d9" "76657273696f6e0000000000" "65000000" "5f1a69d2" + payload_hex;

  Version expected;
  expected.version = 70002;
  expected.services = kNodeNetwork;
  expected.timestamp = 1415483324;
  expected.addr_recv = {kNodeNetwork, NetAddress::FromIPv4({198, 27, 100, 9}, 8333)};
  expected.addr_from = {kNodeNetwork, NetAddress::FromIPv4({203, 0, 113, 192}, 8333)};
  expected.nonce = 0xf85379c9cb358012;
  expected.user_agent = "/Satoshi:0.9.3/";
  expected.start_height = 329167;
  expected.relay = true;

  EXPECT_EQ(ToHex(Encode(expected)), payload_hex);
  EXPECT_EQ(ToHex(EncodeFrame(kMainMagic, expected)), frame_hex);
  const Frame frame = DecodeOneFrame(HexToBytes(frame_hex));
  EXPECT_EQ(frame.command, "version");
  EXPECT_EQ(DecodeMessage(frame.command, frame.payload), Message(expected));
  EXPECT_EQ(expected.addr_recv.address.ToString(), "198.27.100.9:8333");
}

// Developer reference, "getblocks" (getheaders has the same layout and points there for its
// example): protocol 70001, two locator hashes, zero stop hash.
constexpr std::string_view kLocatorPayloadHex =
    "71110100"
    "02"
    "d39f608a7775b537729884d4e6633bb2105e55a16a14d31b0000000000000000"
    "5c3e6403d40837110a2e8afb602b1c01714bda7ce23bea0a0000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000";

TEST(VectorsTest, GetHeaders) {
  const GetHeaders expected{
      70001,
      {Hash("00000000000000001bd3146aa1555e10b23b63e6d484987237b575778a609fd3"),
       Hash("00000000000000000aea3be27cda4b71011c2b60fb8a2e0a113708d403643e5c")},
      {}};
  EXPECT_EQ(ToHex(Encode(expected)), kLocatorPayloadHex);
  EXPECT_EQ(DecodeMessage("getheaders", HexToBytes(kLocatorPayloadHex)), Message(expected));
  const GetBlocks as_getblocks{expected.version, expected.locator, expected.stop_hash};
  EXPECT_EQ(DecodeMessage("getblocks", HexToBytes(kLocatorPayloadHex)), Message(as_getblocks));

  // The header, built from the documented layout: "getheaders", 0x65 bytes, SHA256d prefix.
  const Bytes frame = EncodeFrame(kMainMagic, expected);
  EXPECT_EQ(ToHex(std::span(frame).first(20)), "f9beb4d9" "676574686561646572730000" "65000000");
  EXPECT_EQ(ToHex(std::span(frame).subspan(20, 4)), ToHex(Checksum(HexToBytes(kLocatorPayloadHex))));
}

// Developer reference, "inv": two MSG_TX entries (hashes in internal byte order).
TEST(VectorsTest, Inv) {
  const std::string hash1 = "de55ffd709ac1f5dc509a0925d0b1fc442ca034f224732e429081da1b621f55a";
  const std::string hash2 = "91d36d997037e08018262978766f24b8a055aaf1d872e94ae85e9817b2c68dc7";
  const std::string hex = "02" "01000000" + hash1 + "01000000" + hash2;
  const Inv expected{{
      {InvType::kTx, *crypto::Uint256::FromBytes(HexToBytes(hash1))},
      {InvType::kTx, *crypto::Uint256::FromBytes(HexToBytes(hash2))},
  }};
  EXPECT_EQ(ToHex(Encode(expected)), hex);
  EXPECT_EQ(DecodeMessage("inv", HexToBytes(hex)), Message(expected));
  const GetData as_getdata{expected.items};
  EXPECT_EQ(ToHex(Encode(as_getdata)), hex);
  EXPECT_EQ(DecodeMessage("getdata", HexToBytes(hex)), Message(as_getdata));

  const Bytes frame = EncodeFrame(kMainMagic, expected);
  EXPECT_EQ(ToHex(std::span(frame).first(20)), "f9beb4d9" "696e76000000000000000000" "49000000");
  const Frame decoded = DecodeOneFrame(frame);
  EXPECT_EQ(decoded.command, "inv");
  EXPECT_EQ(ToHex(decoded.payload), hex);
}

// A headers message with Bitcoin's genesis header and block 1's header.
TEST(VectorsTest, HeadersOfTheFirstBitcoinBlocks) {
  const std::string genesis_hex =
      std::string(primitives::test_data::kBitcoinGenesisBlockHex.substr(0, 160));
  const std::string block1_hex =
      "01000000"
      "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
      "982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e"
      "61bc6649" "ffff001d" "01e36299";
  const std::string payload_hex = "02" + genesis_hex + "00" + block1_hex + "00";

  const auto decoded = DecodeMessage("headers", HexToBytes(payload_hex));
  ASSERT_TRUE(decoded) << ToString(decoded.error());
  const auto& headers = std::get<Headers>(*decoded).headers;
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].Hash().ToHex(), primitives::test_data::kBitcoinGenesisHash);
  EXPECT_EQ(headers[1].Hash().ToHex(),
            "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048");
  EXPECT_EQ(headers[1].prev_block, headers[0].Hash());
  EXPECT_EQ(headers[1].time, 1231469665u);
  EXPECT_EQ(headers[1].bits, 0x1d00ffffu);
  EXPECT_EQ(headers[1].nonce, 2573394689u);
  EXPECT_EQ(ToHex(Encode(*decoded)), payload_hex);

  const Bytes frame = EncodeFrame(kMainMagic, *decoded);
  EXPECT_EQ(ToHex(std::span(frame).first(20)), "f9beb4d9" "686561646572730000000000" "a3000000");
  EXPECT_EQ(DecodeOneFrame(frame).payload, HexToBytes(payload_hex));
}

}  // namespace
}  // namespace parthenon::p2p::wire

#include "p2p/wire/messages.h"

#include <gtest/gtest.h>

#include <set>

#include "p2p/wire/test_messages.h"
#include "util/hex.h"

namespace parthenon::p2p::wire {
namespace {

using util::Bytes;
using util::HexToBytes;

Result<Message> Decode(std::string_view command, std::string_view hex) {
  const Bytes payload = HexToBytes(hex);
  return DecodeMessage(command, payload);
}

// A CompactSize followed by nothing: enough to test a count against its cap.
std::string CountHex(uint64_t count) {
  primitives::Writer out;
  out.CompactSize(count);
  return util::ToHex(out.bytes());
}

TEST(MessagesTest, AddrV2KnownNetworksMustHaveTheirLength) {
  AddrV2 message;
  message.entries.push_back({1, 1, static_cast<uint8_t>(AddrV2Network::kIpv4), Bytes(5), 8333});
  EXPECT_EQ(DecodeMessage("addrv2", Encode(message)).error(), Error::kFieldTooLarge);
  message.entries[0].address = Bytes(kMaxAddrV2AddressSize + 1);
  message.entries[0].network = 200;  // unknown id: any length, but never above 512 bytes
  EXPECT_FALSE(DecodeMessage("addrv2", Encode(message)));
  message.entries[0].address = Bytes(kMaxAddrV2AddressSize);
  EXPECT_TRUE(DecodeMessage("addrv2", Encode(message)));
}

TEST(MessagesTest, AddrV2EntriesConvertToDialableAddressesOnlyForIpv4AndIpv6) {
  const auto v4 = *NetAddress::Parse("1.2.3.4", 8333);
  const auto v6 = *NetAddress::Parse("2001:db8::1", 18444);
  EXPECT_EQ(AddrV2Entry::FromNetAddress(1, 1, v4).ToNetAddress(), v4);
  EXPECT_EQ(AddrV2Entry::FromNetAddress(1, 1, v4).address.size(), 4u);
  EXPECT_EQ(AddrV2Entry::FromNetAddress(1, 1, v6).ToNetAddress(), v6);
  AddrV2Entry tor{1, 1, static_cast<uint8_t>(AddrV2Network::kTorV3), Bytes(32), 9050};
  EXPECT_EQ(tor.ToNetAddress(), std::nullopt);
  // An IPv6 entry that embeds IPv4 must be ignored (BIP155).
  AddrV2Entry mapped = AddrV2Entry::FromNetAddress(1, 1, v6);
  const auto mapped_ip = NetAddress::Parse("::ffff:1.2.3.4", 1)->ip();
  mapped.address.assign(mapped_ip.begin(), mapped_ip.end());
  EXPECT_EQ(mapped.ToNetAddress(), std::nullopt);
}

TEST(MessagesTest, CommandTableNamesEveryAlternative) {
  std::mt19937_64 rng(1);
  const auto samples = test::SampleMessages(rng);
  ASSERT_EQ(samples.size(), std::variant_size_v<Message>);
  std::set<std::string_view> names;
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].index(), i);
    names.insert(CommandName(samples[i]));
  }
  EXPECT_EQ(names.size(), samples.size());
  EXPECT_EQ(CommandName(Message(Version{})), "version");
  EXPECT_EQ(CommandName(Message(BlockMessage{})), "block");
  EXPECT_EQ(FindCommand("getheaders"), Command::kGetHeaders);
  EXPECT_EQ(FindCommand("GETHEADERS"), std::nullopt);
  EXPECT_EQ(MaxPayloadSize("ping"), 8u);
  EXPECT_EQ(MaxPayloadSize("version"), 1024u);
  EXPECT_EQ(MaxPayloadSize("whatever"), kMaxProtocolMessageLength);  // Core's 4 MB rule
  EXPECT_EQ(MaxPayloadSize("tx"), 400'000u);  // the standard transaction weight
  EXPECT_GT(MaxPayloadSize("block"), kMaxProtocolMessageLength);
}

TEST(MessagesTest, PayloadCapsAsDocumented) {
  EXPECT_EQ(kMaxAddrSize, 30'003u);
  EXPECT_EQ(kMaxInvSize, 1'800'003u);
  EXPECT_EQ(kMaxLocatorMessageSize, 3'269u);
  EXPECT_EQ(kMaxHeadersSize, 162'003u);
  EXPECT_EQ(kMaxRejectSize, 158u);
  EXPECT_EQ(kMaxBlockMessageSize, 4'004'096u);
}

TEST(MessagesTest, EveryMessageRoundTrips) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    for (const Message& message : test::SampleMessages(rng)) {
      const Bytes payload = Encode(message);
      const auto decoded = DecodeMessage(CommandName(message), payload);
      ASSERT_TRUE(decoded) << CommandName(message) << ": " << ToString(decoded.error());
      EXPECT_EQ(*decoded, message) << CommandName(message);
      EXPECT_EQ(Encode(*decoded), payload) << CommandName(message);
    }
  }
}

TEST(MessagesTest, EmptyMessagesHaveEmptyPayloads) {
  for (const Message& message : {Message(Verack{}), Message(GetAddr{}), Message(SendHeaders{}),
                                 Message(MemPool{}), Message(WtxidRelay{}), Message(SendAddrV2{})}) {
    EXPECT_TRUE(Encode(message).empty());
    EXPECT_EQ(DecodeMessage(CommandName(message), {}), message);
  }
}

TEST(MessagesTest, PingIsEightLittleEndianBytes) {
  EXPECT_EQ(util::ToHex(Encode(Ping{0x0102030405060708})), "0807060504030201");
  EXPECT_EQ(Decode("pong", "0807060504030201"), Message(Pong{0x0102030405060708}));
  EXPECT_EQ(Decode("ping", "08070605040302").error(), Error::kTruncated);
  EXPECT_EQ(Decode("ping", "080706050403020100").error(), Error::kPayloadTooLarge);
}

TEST(MessagesTest, VersionWithoutRelayFlag) {
  Version version;
  version.user_agent = "/x/";
  version.relay = std::nullopt;
  const Bytes payload = Encode(version);
  Version with_relay = version;
  with_relay.relay = false;
  EXPECT_EQ(Encode(with_relay).size(), payload.size() + 1);
  const auto decoded = DecodeMessage("version", payload);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<Version>(*decoded).relay, std::nullopt);
  // Fields a later protocol version appends after the relay byte are ignored (Bitcoin Core).
  Bytes extra = Encode(with_relay);
  extra.push_back(std::byte{0});
  const auto longer = DecodeMessage("version", extra);
  ASSERT_TRUE(longer);
  EXPECT_EQ(std::get<Version>(*longer).relay, false);
}

TEST(MessagesTest, VersionUserAgentCap) {
  Version version;
  version.user_agent = std::string(kMaxUserAgentSize, 'a');
  EXPECT_TRUE(DecodeMessage("version", Encode(version)));
  version.user_agent.push_back('a');
  EXPECT_EQ(DecodeMessage("version", Encode(version)).error(), Error::kFieldTooLarge);
}

TEST(MessagesTest, EntryCountsAboveCapsAreRejected) {
  EXPECT_EQ(Decode("addr", CountHex(kMaxAddrEntries + 1)).error(), Error::kTooManyEntries);
  EXPECT_EQ(Decode("inv", CountHex(kMaxInvEntries + 1)).error(), Error::kTooManyEntries);
  EXPECT_EQ(Decode("getdata", CountHex(kMaxInvEntries + 1)).error(), Error::kTooManyEntries);
  EXPECT_EQ(Decode("notfound", CountHex(kMaxInvEntries + 1)).error(), Error::kTooManyEntries);
  EXPECT_EQ(Decode("headers", CountHex(kMaxHeadersEntries + 1)).error(), Error::kTooManyEntries);
  EXPECT_EQ(Decode("getheaders", "71110100" + CountHex(kMaxLocatorEntries + 1)).error(),
            Error::kTooManyEntries);
  EXPECT_EQ(Decode("getblocks", "71110100" + CountHex(kMaxLocatorEntries + 1)).error(),
            Error::kTooManyEntries);
  // At the cap, a count the payload cannot hold is truncation, found before allocating.
  EXPECT_EQ(Decode("inv", CountHex(kMaxInvEntries)).error(), Error::kTruncated);
  EXPECT_EQ(Decode("addr", CountHex(kMaxAddrEntries)).error(), Error::kTruncated);
}

TEST(MessagesTest, FullCapsDecode) {
  Addr addr;
  addr.entries.resize(kMaxAddrEntries);
  const Bytes addr_payload = Encode(addr);
  EXPECT_EQ(addr_payload.size(), kMaxAddrSize);
  EXPECT_EQ(DecodeMessage("addr", addr_payload), Message(addr));
  Inv inv;
  inv.items.resize(kMaxInvEntries);
  const Bytes inv_payload = Encode(inv);
  EXPECT_EQ(inv_payload.size(), kMaxInvSize);
  EXPECT_EQ(DecodeMessage("inv", inv_payload), Message(inv));
  Headers headers;
  headers.headers.resize(kMaxHeadersEntries);
  EXPECT_EQ(Encode(headers).size(), kMaxHeadersSize);
  GetHeaders get_headers;
  get_headers.locator.resize(kMaxLocatorEntries);
  EXPECT_EQ(Encode(get_headers).size(), kMaxLocatorMessageSize);
  EXPECT_TRUE(DecodeMessage("getheaders", Encode(get_headers)));
}

TEST(MessagesTest, MalformedPayloads) {
  const std::string item = "01000000" + std::string(64, 'a');
  EXPECT_EQ(Decode("inv", "01" + item), Message(Inv{{{InvType::kTx, *crypto::Uint256::FromHex(
                                                                           std::string(64, 'a'))}}}));
  EXPECT_EQ(Decode("inv", "02" + item).error(), Error::kTruncated);
  EXPECT_EQ(Decode("inv", "01" + item + "00").error(), Error::kTrailingBytes);
  EXPECT_EQ(Decode("inv", "fd0100" + item).error(), Error::kNonCanonicalCompactSize);
  EXPECT_EQ(Decode("inv", "").error(), Error::kTruncated);
  EXPECT_EQ(Decode("verack", "00").error(), Error::kPayloadTooLarge);
  EXPECT_EQ(Decode("feefilter", "0100").error(), Error::kTruncated);
}

TEST(MessagesTest, UnknownInventoryTypesAreKept) {
  const auto decoded = Decode("getdata", "01" "07000000" + std::string(64, '0'));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(static_cast<uint32_t>(std::get<GetData>(*decoded).items[0].type), 7u);
}

TEST(MessagesTest, HeadersRequireZeroTransactionCount) {
  Headers headers{{test::GenesisBlock().header}};
  Bytes payload = Encode(headers);
  ASSERT_EQ(payload.size(), 1 + 80 + 1);
  payload.back() = std::byte{1};
  EXPECT_EQ(DecodeMessage("headers", payload).error(), Error::kHeadersTxCountNonZero);
}

TEST(MessagesTest, BlockAndTxReusePrimitives) {
  const primitives::Block genesis = test::GenesisBlock();
  EXPECT_EQ(Encode(BlockMessage{genesis}), primitives::Serialize(genesis));
  Bytes tx_payload = primitives::Serialize(genesis.transactions[0]);
  EXPECT_EQ(DecodeMessage("tx", tx_payload), Message(TxMessage{genesis.transactions[0]}));
  tx_payload.push_back(std::byte{0});
  EXPECT_EQ(DecodeMessage("tx", tx_payload).error(), Error::kTrailingBytes);
  // Segwit marker with a flag other than 1.
  std::mt19937_64 rng(7);
  Bytes witness_tx = primitives::Serialize(test::WitnessTransaction(rng));
  witness_tx[5] = std::byte{2};
  EXPECT_EQ(DecodeMessage("tx", witness_tx).error(), Error::kBadTransaction);
}

TEST(MessagesTest, RejectDataIsOptionalHash) {
  const Reject without{"block", 0x10, "bad", std::nullopt};
  EXPECT_EQ(DecodeMessage("reject", Encode(without)), Message(without));
  Bytes payload = Encode(without);
  payload.push_back(std::byte{1});
  EXPECT_EQ(DecodeMessage("reject", payload).error(), Error::kTrailingBytes);
  const Reject long_reason{"tx", 1, std::string(kMaxRejectReasonSize + 1, 'r'), std::nullopt};
  EXPECT_EQ(DecodeMessage("reject", Encode(long_reason)).error(), Error::kFieldTooLarge);
}

TEST(MessagesTest, UnknownCommandsDecodeToUnknown) {
  const auto decoded = Decode("sendtxrcncl", "000100000000000000");
  ASSERT_TRUE(decoded);
  const auto& unknown = std::get<Unknown>(*decoded);
  EXPECT_EQ(unknown.command, "sendtxrcncl");
  EXPECT_EQ(unknown.payload, HexToBytes("000100000000000000"));
  EXPECT_EQ(CommandName(*decoded), "sendtxrcncl");
}

TEST(MessagesTest, ErrorsHaveCategories) {
  EXPECT_EQ(Category(Error::kTruncated), ErrorCategory::kInvalidMessage);
  EXPECT_EQ(Category(Error::kBadChecksum), ErrorCategory::kInvalidMessage);
  EXPECT_EQ(Category(Error::kTooManyEntries), ErrorCategory::kProtocolViolation);
  EXPECT_EQ(Category(Error::kBadMagic), ErrorCategory::kProtocolViolation);
  EXPECT_EQ(Category(Error::kPayloadTooLarge), ErrorCategory::kProtocolViolation);
  EXPECT_FALSE(ToString(Error::kHeadersTxCountNonZero).empty());
}

}  // namespace
}  // namespace parthenon::p2p::wire

#include "p2p/peerdb/peer_record.h"

#include <gtest/gtest.h>

#include "p2p/peerdb/netgroup.h"
#include "p2p/peerdb/subnet.h"

namespace parthenon::p2p {
namespace {

wire::NetAddress Ip(std::string_view text, uint16_t port = 8333) {
  return *wire::NetAddress::Parse(text, port);
}

TEST(PeerRecordTest, RoundTripsEveryField) {
  PeerRecord r;
  r.address = Ip("2001:db8::7", 18444);
  r.services = 9;
  r.first_seen = 1;
  r.last_seen = 2;
  r.last_attempt = 3;
  r.last_success = 4;
  r.last_block = 5;
  r.last_tx = 6;
  r.attempts = 7;
  r.successes = 8;
  r.failures = 9;
  r.ban_until = 10;
  r.score = 75.5;
  r.blocks = 11;
  r.txs = 12;
  r.invalid = 13;
  r.violations = 14;
  r.source_group = "4:10.1";
  r.country = "DE";
  r.asn = "AS3320";
  r.latitude = 52.5;
  r.longitude = 13.4;
  r.isp = "Telekom";
  const auto bytes = EncodePeerRecord(r);
  EXPECT_EQ(DecodePeerRecord(bytes), r);
  // Truncation and trailing bytes are rejected.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodePeerRecord(util::ByteSpan(bytes).first(n))) << n;
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(DecodePeerRecord(longer));
}

// Databases written before the wrong-chain mark (record version 1) still load.
TEST(PeerRecordTest, VersionOneRecordsDecodeWithoutAWrongChainMark) {
  PeerRecord r;
  r.address = Ip("10.1.2.3", 8333);
  r.score = 60;
  r.wrong_chain_until = 99;
  r.table = AddrTable::kTried;
  auto bytes = EncodePeerRecord(r);
  ASSERT_EQ(bytes[0], std::byte{3});
  bytes.resize(bytes.size() - 17);  // the version-3 and version-2 fields
  bytes[0] = std::byte{1};
  const auto decoded = DecodePeerRecord(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->wrong_chain_until, 0);
  EXPECT_EQ(decoded->address, r.address);
  EXPECT_EQ(decoded->score, 60);
}

// Databases written before the address manager (record version 2) load with table kNone.
TEST(PeerRecordTest, VersionTwoRecordsDecodeWithoutATable) {
  PeerRecord r;
  r.address = Ip("10.1.2.3", 8333);
  r.wrong_chain_until = 99;
  r.table = AddrTable::kNew;
  auto bytes = EncodePeerRecord(r);
  bytes.resize(bytes.size() - 9);  // the version-3 fields
  bytes[0] = std::byte{2};
  const auto decoded = DecodePeerRecord(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->wrong_chain_until, 99);
  EXPECT_EQ(decoded->table, AddrTable::kNone);
}

TEST(PeerRecordTest, TableRoundTripsAndUnknownTablesAreRejected) {
  PeerRecord r;
  r.table = AddrTable::kTried;
  r.connected_seconds = 3600;
  auto bytes = EncodePeerRecord(r);
  EXPECT_EQ(DecodePeerRecord(bytes)->table, AddrTable::kTried);
  EXPECT_EQ(DecodePeerRecord(bytes)->connected_seconds, 3600u);
  bytes[bytes.size() - 9] = std::byte{3};  // the table byte
  EXPECT_FALSE(DecodePeerRecord(bytes));
}

TEST(PeerRecordTest, RejectsScoreOutOfRange) {
  PeerRecord r;
  r.score = 101;
  EXPECT_FALSE(DecodePeerRecord(EncodePeerRecord(r)));
}

TEST(PeerRecordTest, BanEntryRoundTrip) {
  BanEntry ban{*Subnet::Parse("10.1.0.0/16"), 100, 200, "manual"};
  EXPECT_EQ(DecodeBanEntry(EncodeBanEntry(ban)), ban);
}

TEST(SubnetTest, ParsesAndContains) {
  auto v4 = Subnet::Parse("10.1.2.3/16");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->ToString(), "10.1.0.0/16");
  EXPECT_TRUE(v4->Contains(Ip("10.1.200.1")));
  EXPECT_FALSE(v4->Contains(Ip("10.2.0.1")));
  auto single = Subnet::Parse("1.2.3.4");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->IsSingleAddress());
  EXPECT_EQ(single->ToString(), "1.2.3.4/32");
  auto v6 = Subnet::Parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains(Ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->Contains(Ip("2001:db9::1")));
  EXPECT_FALSE(Subnet::Parse("1.2.3.4/33"));
  EXPECT_FALSE(Subnet::Parse("1.2.3.4/"));
  EXPECT_FALSE(Subnet::Parse("example.com"));
}

TEST(NetGroupTest, Ipv4Slash16AndIpv6Slash32) {
  EXPECT_EQ(NetGroup(Ip("10.1.2.3")), NetGroup(Ip("10.1.99.4")));
  EXPECT_NE(NetGroup(Ip("10.1.2.3")), NetGroup(Ip("10.2.2.3")));
  EXPECT_EQ(NetGroup(Ip("2001:db8:1::1")), NetGroup(Ip("2001:db8:2::1")));
  EXPECT_NE(NetGroup(Ip("2001:db8::1")), NetGroup(Ip("2001:db9::1")));
  EXPECT_FALSE(IsRoutableForGossip(Ip("1.2.3.4", 0)));
  EXPECT_TRUE(IsRoutableForGossip(Ip("1.2.3.4")));
}

}  // namespace
}  // namespace parthenon::p2p

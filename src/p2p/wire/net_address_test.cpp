#include "p2p/wire/net_address.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::wire {
namespace {

TEST(NetAddressTest, IPv4IsStoredIPv4Mapped) {
  const NetAddress address = NetAddress::FromIPv4({1, 2, 3, 4}, 8333);
  const NetAddress::IpBytes expected = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                        std::byte{0}, std::byte{0}, std::byte{0xff}, std::byte{0xff},
                                        std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  EXPECT_EQ(address.ip(), expected);
  EXPECT_TRUE(address.IsIPv4());
  EXPECT_EQ(address.IPv4(), (NetAddress::Ipv4Octets{1, 2, 3, 4}));
  EXPECT_EQ(address.HostString(), "1.2.3.4");
  EXPECT_EQ(address.ToString(), "1.2.3.4:8333");
}

TEST(NetAddressTest, ParsesIPv4) {
  EXPECT_EQ(NetAddress::Parse("1.2.3.4", 8333), NetAddress::FromIPv4({1, 2, 3, 4}, 8333));
  EXPECT_EQ(NetAddress::Parse("255.255.255.0", 1)->HostString(), "255.255.255.0");
  EXPECT_EQ(NetAddress::Parse("::ffff:10.0.0.1", 1), NetAddress::FromIPv4({10, 0, 0, 1}, 1));
}

TEST(NetAddressTest, ParsesAndFormatsIPv6) {
  const auto loopback = NetAddress::Parse("::1", 18444);
  ASSERT_TRUE(loopback);
  EXPECT_FALSE(loopback->IsIPv4());
  EXPECT_EQ(loopback->ip()[15], std::byte{1});
  EXPECT_EQ(loopback->HostString(), "::1");
  EXPECT_EQ(loopback->ToString(), "[::1]:18444");

  EXPECT_EQ(NetAddress::Parse("::", 0)->HostString(), "::");
  EXPECT_EQ(NetAddress::Parse("2001:DB8::1", 0)->HostString(), "2001:db8::1");
  // RFC 5952: the longest zero run is compressed, the first on a tie; single zeros are not.
  EXPECT_EQ(NetAddress::Parse("2001:db8:0:0:1:0:0:1", 0)->HostString(), "2001:db8::1:0:0:1");
  EXPECT_EQ(NetAddress::Parse("2001:0:0:1:0:0:0:1", 0)->HostString(), "2001:0:0:1::1");
  EXPECT_EQ(NetAddress::Parse("2001:db8:1:1:1:1:0:1", 0)->HostString(), "2001:db8:1:1:1:1:0:1");
  EXPECT_EQ(NetAddress::Parse("fe80::", 0)->HostString(), "fe80::");
  EXPECT_EQ(NetAddress::Parse("1:2:3:4:5:6:7:8", 0)->HostString(), "1:2:3:4:5:6:7:8");
}

TEST(NetAddressTest, RejectsMalformedText) {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d",
                           "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", ":::", "12345::",
                           "1:2:3:4:5:6:7::8", "::1.2.3", "g::1", "localhost"}) {
    EXPECT_FALSE(NetAddress::Parse(text, 0)) << text;
  }
}

TEST(NetAddressTest, ParsesEndpoints) {
  EXPECT_EQ(NetAddress::ParseEndpoint("1.2.3.4:8333"), NetAddress::FromIPv4({1, 2, 3, 4}, 8333));
  EXPECT_EQ(NetAddress::ParseEndpoint("[::1]:18444"), NetAddress::Parse("::1", 18444));
  EXPECT_FALSE(NetAddress::ParseEndpoint("::1:8333"));
  EXPECT_FALSE(NetAddress::ParseEndpoint("1.2.3.4:65536"));
  EXPECT_FALSE(NetAddress::ParseEndpoint("1.2.3.4"));
  EXPECT_FALSE(NetAddress::ParseEndpoint("[::1]"));
}

TEST(NetAddressTest, FormatsAndParsesBackEveryTextForm) {
  for (const char* text : {"1.2.3.4:1", "[::1]:2", "[2001:db8::8:800:200c:417a]:3", "[::]:0"}) {
    const auto address = NetAddress::ParseEndpoint(text);
    ASSERT_TRUE(address) << text;
    EXPECT_EQ(address->ToString(), text);
  }
}

TEST(SplitHostPort, NamesAddressesAndDefaults) {
  EXPECT_EQ(SplitHostPort("seed.example", 8333), (HostPort{"seed.example", 8333}));
  EXPECT_EQ(SplitHostPort("localhost:18444", 8333), (HostPort{"localhost", 18444}));
  EXPECT_EQ(SplitHostPort("10.0.0.1:9000", 8333), (HostPort{"10.0.0.1", 9000}));
  EXPECT_EQ(SplitHostPort("[::1]:9000", 8333), (HostPort{"::1", 9000}));
  EXPECT_EQ(SplitHostPort("[2001:db8::1]", 8333), (HostPort{"2001:db8::1", 8333}));
  EXPECT_EQ(SplitHostPort("::1", 8333), (HostPort{"::1", 8333}));  // bare IPv6: no port
  EXPECT_EQ(SplitHostPort("::1", 8333)->ToString(), "[::1]:8333");
  EXPECT_EQ(SplitHostPort("seed.example:1", 8333)->ToString(), "seed.example:1");
  for (std::string_view bad : {"", ":8333", "host:", "host:0", "host:65536", "host:x", "[::1",
                               "[::1]x", "[]:1"}) {
    EXPECT_FALSE(SplitHostPort(bad, 8333).has_value()) << bad;
  }
}

}  // namespace
}  // namespace parthenon::p2p::wire

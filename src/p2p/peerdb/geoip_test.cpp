#include "p2p/peerdb/geoip.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "testing/mmdb_writer.h"

namespace parthenon::p2p {
namespace {

TEST(GeoIpTest, LooksUpCountryAsnAndLocationInAHandWrittenMmdb) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("geoip-test-" + std::to_string(::getpid()) + ".mmdb");
  testing::MmdbWriter writer;
  writer.Add({{81, 2, 0, 0}, 16, "FR", 3215, "Orange", 48.85, 2.35});
  writer.Add({{8, 8, 8, 0}, 24, "US", 15169, "Google", 37.4, -122.1});
  writer.Add({{127, 0, 0, 0}, 8, "ZZ", 0, "", 0, 0});
  ASSERT_TRUE(writer.Write(path));
  auto geo = GeoIp::Open(path);
  ASSERT_TRUE(geo) << geo.error();
  auto fr = (*geo)->Lookup(*wire::NetAddress::Parse("81.2.69.160", 8333));
  ASSERT_TRUE(fr);
  EXPECT_EQ(fr->country, "FR");
  EXPECT_EQ(fr->asn, "AS3215");
  EXPECT_EQ(fr->isp, "Orange");
  EXPECT_DOUBLE_EQ(fr->latitude, 48.85);
  auto us = (*geo)->Lookup(*wire::NetAddress::Parse("8.8.8.8", 53));
  ASSERT_TRUE(us);
  EXPECT_EQ(us->country, "US");
  EXPECT_DOUBLE_EQ(us->longitude, -122.1);
  EXPECT_EQ((*geo)->Lookup(*wire::NetAddress::Parse("127.3.4.5", 1))->country, "ZZ");
  EXPECT_FALSE((*geo)->Lookup(*wire::NetAddress::Parse("9.9.9.9", 53)));
  EXPECT_FALSE((*geo)->Lookup(*wire::NetAddress::Parse("2001:db8::1", 53)));
  std::filesystem::remove(path);
  EXPECT_FALSE(GeoIp::Open(path));
}

}  // namespace
}  // namespace parthenon::p2p

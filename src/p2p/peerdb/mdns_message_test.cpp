#include "p2p/peerdb/mdns_message.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::mdns {
namespace {

Message Announcement() {
  Message m;
  m.response = true;
  m.answers.push_back({.name = "_parthenon._tcp.local", .type = 12, .ttl = 120,
                       .target = "n1._parthenon._tcp.local"});
  m.answers.push_back({.name = "n1._parthenon._tcp.local", .type = 33, .cache_flush = true,
                       .ttl = 120, .target = "n1.local", .port = 18444});
  m.answers.push_back({.name = "n1._parthenon._tcp.local", .type = 16, .cache_flush = true,
                       .ttl = 120, .txt = {"chain=regtest", "v=1"}});
  m.answers.push_back({.name = "n1.local", .type = 1, .cache_flush = true, .ttl = 120,
                       .ipv4 = {10, 77, 0, 1}});
  return m;
}

TEST(MdnsMessageTest, RoundTrip) {
  Message query;
  query.questions.push_back({"_parthenon._tcp.local", 12, true});
  EXPECT_EQ(Decode(Encode(query)), query);
  EXPECT_EQ(Decode(Encode(Announcement())), Announcement());
}

// RFC 1035 §4.1.4 compression: a name may end in a pointer to an earlier one.
TEST(MdnsMessageTest, DecodesCompressedNames) {
  util::Bytes packet = {std::byte{0}, std::byte{0}, std::byte{0x84}, std::byte{0},  // id, flags
                        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},      // 0 q, 1 answer
                        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
  const auto append = [&](std::initializer_list<int> bytes) {
    for (int b : bytes) packet.push_back(static_cast<std::byte>(b));
  };
  append({5, 'l', 'o', 'c', 'a', 'l', 0});  // offset 12: "local"
  // PTR "x.local" (pointer to 12) → target "y" + pointer to 12.
  packet.resize(12);
  append({1, 'x', 5, 'l', 'o', 'c', 'a', 'l', 0});  // offset 12: x.local; "local" at 14
  append({0, 12, 0, 1, 0, 0, 0, 120, 0, 4, 1, 'y', 0xC0, 14});
  auto m = Decode(packet);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].name, "x.local");
  EXPECT_EQ(m->answers[0].target, "y.local");
}

TEST(MdnsMessageTest, RejectsLoopsTruncationAndOverflows) {
  util::Bytes header = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                        std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0},
                        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
  auto self_pointer = header;  // a question whose name points at itself
  for (int b : {0xC0, 12, 0, 12, 0, 1}) self_pointer.push_back(static_cast<std::byte>(b));
  EXPECT_FALSE(Decode(self_pointer));
  auto truncated = Encode(Announcement());
  truncated.pop_back();
  EXPECT_FALSE(Decode(truncated));
  auto trailing = Encode(Announcement());
  trailing.push_back(std::byte{0});
  EXPECT_FALSE(Decode(trailing));
  auto many = header;  // 65535 questions claimed
  many[4] = many[5] = std::byte{0xFF};
  EXPECT_FALSE(Decode(many));
  EXPECT_FALSE(Decode(util::Bytes(kMaxPacket + 1)));
  // An A record whose rdata length is not 4.
  auto bad_a = Announcement();
  bad_a.answers.resize(4);
  auto bytes = Encode(bad_a);
  bytes[bytes.size() - 5] = std::byte{5};  // rdlength low byte
  bytes.push_back(std::byte{0});
  EXPECT_FALSE(Decode(bytes));
}

}  // namespace
}  // namespace parthenon::p2p::mdns

#include "p2p/peerdb/asmap.h"

#include <gtest/gtest.h>

namespace parthenon::p2p {
namespace {

// Builds asmap programs bit by bit (the format's bit order: LSB of each byte first).
class Program {
 public:
  Program& Bits(uint32_t value, int width) {  // most significant first
    for (int i = width - 1; i >= 0; --i) bits_.push_back(((value >> i) & 1) != 0);
    return *this;
  }
  Program& Return(uint32_t asn) { return Bits(0, 1).Asn(asn); }        // type 0: "0"
  Program& Jump(uint32_t offset) { return Bits(0b10, 2).Bits(0, 1).Bits(offset - 17, 5); }
  Program& Match(uint32_t value) { return Bits(0b110, 3).Bits(0, 1).Bits(value - 2, 1); }
  Program& Default(uint32_t asn) { return Bits(0b111, 3).Asn(asn); }
  Program& Asn(uint32_t asn) { return Bits(0, 1).Bits(asn - 1, 15); }  // 1..32768
  const std::vector<bool>& bits() const { return bits_; }
  util::Bytes Bytes() const {
    util::Bytes out((bits_.size() + 7) / 8);
    for (size_t i = 0; i < bits_.size(); ++i) {
      if (bits_[i]) out[i / 8] |= std::byte{static_cast<uint8_t>(1u << (i % 8))};
    }
    return out;
  }

 private:
  std::vector<bool> bits_;
};

wire::NetAddress V6(uint8_t first) {
  wire::NetAddress::IpBytes ip{};
  ip[0] = std::byte{first};
  return wire::NetAddress(ip, 0);
}

// JUMP on the first address bit: 0 → the RETURN right after, 1 → the one 17 bits further.
TEST(AsmapTest, JumpSplitsOnTheFirstBit) {
  Program p;
  p.Jump(17).Return(100).Return(200);
  auto map = Asmap::FromBytes(p.Bytes());
  ASSERT_TRUE(map);
  EXPECT_EQ(map->Lookup(V6(0x00)), 100u);
  EXPECT_EQ(map->Lookup(V6(0x80)), 200u);
  // IPv4 addresses are looked up as IPv4-mapped IPv6 (first bit 0).
  EXPECT_EQ(map->Lookup(wire::NetAddress::FromIPv4({200, 1, 1, 1}, 0)), 100u);
}

// DEFAULT sets the answer for a failed MATCH.
TEST(AsmapTest, MatchFallsBackToTheDefault) {
  Program p;
  p.Default(5).Match(0b11).Return(9);  // match one bit, "1"
  auto map = Asmap::FromBytes(p.Bytes());
  ASSERT_TRUE(map);
  EXPECT_EQ(map->Lookup(V6(0x80)), 9u);
  EXPECT_EQ(map->Lookup(V6(0x00)), 5u);
}

TEST(AsmapTest, MalformedProgramsYieldZero) {
  Program p;
  p.Jump(17).Return(100).Return(200);
  auto bits = p.bits();
  bits.resize(10);  // the jump's target is past the end
  EXPECT_EQ(InterpretAsmap(bits, std::vector<bool>(128, true)), 0u);
  EXPECT_EQ(InterpretAsmap({}, std::vector<bool>(128, false)), 0u);
  Program jump_past_end;
  jump_past_end.Jump(30).Return(1);
  EXPECT_EQ(InterpretAsmap(jump_past_end.bits(), std::vector<bool>(128, true)), 0u);
  EXPECT_FALSE(Asmap::FromBytes({}));
}

}  // namespace
}  // namespace parthenon::p2p

#include "consensus/script.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace parthenon::consensus {
namespace {

using util::HexToBytes;
using util::ToHex;

TEST(Script, KeyPathRoundTrip) {
  crypto::XOnlyPublicKey key;
  key.fill(std::byte{0xab});
  const util::Bytes script = KeyPathScript(key);
  EXPECT_EQ(ToHex(script), "5120" + ToHex(key));
  EXPECT_EQ(KeyPathKey(script), key);
  EXPECT_TRUE(IsAllowedOutputScript(script));
  EXPECT_FALSE(KeyPathKey(util::ByteSpan(script).first(33)).has_value());
}

TEST(Script, NullDataForms) {
  EXPECT_TRUE(IsNullData(HexToBytes("6a")));
  EXPECT_TRUE(IsNullData(NullDataScript(util::Bytes(75))));
  EXPECT_EQ(NullDataScript(util::Bytes(76))[1], std::byte{0x4c});
  EXPECT_TRUE(IsNullData(NullDataScript(util::Bytes(80))));
  EXPECT_FALSE(IsNullData(HexToBytes("6a4c51" + std::string(162, '0'))));  // 81 bytes
  EXPECT_FALSE(IsNullData(HexToBytes("6a00")));  // OP_0 is not a data push here
  EXPECT_TRUE(IsNullData(HexToBytes("6a0102")));  // one byte pushed
  EXPECT_FALSE(IsNullData(HexToBytes("6a0201")));  // push exceeds the script
  EXPECT_FALSE(IsNullData(HexToBytes("6a010203")));  // bytes after the push
  EXPECT_FALSE(IsNullData({}));
}

TEST(Script, HeightPushMatchesBitcoinScriptNumbers) {
  EXPECT_EQ(ToHex(HeightPush(0)), "00");
  EXPECT_EQ(ToHex(HeightPush(1)), "51");
  EXPECT_EQ(ToHex(HeightPush(16)), "60");
  EXPECT_EQ(ToHex(HeightPush(17)), "0111");
  EXPECT_EQ(ToHex(HeightPush(127)), "017f");
  EXPECT_EQ(ToHex(HeightPush(128)), "028000");  // sign bit needs a zero byte
  EXPECT_EQ(ToHex(HeightPush(255)), "02ff00");
  EXPECT_EQ(ToHex(HeightPush(256)), "020001");
  EXPECT_EQ(ToHex(HeightPush(413567)), "037f4f06");  // block 413567's coinbase begins so
  EXPECT_TRUE(HasHeightPrefix(HexToBytes("037f4f06deadbeef"), 413567));
  EXPECT_FALSE(HasHeightPrefix(HexToBytes("037f4f"), 413567));
  EXPECT_FALSE(HasHeightPrefix(HexToBytes("0380"), 128));
}

}  // namespace
}  // namespace parthenon::consensus

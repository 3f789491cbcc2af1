#include "wallet/bech32.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/vectors.h"
#include "util/hex.h"
#include "wallet/address.h"

namespace parthenon::wallet {
namespace {

// The vector file writes unprintable characters as \xNN.
std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() + 0 && text[i + 1] == 'x') {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool IsHex(std::string_view text) {
  return !text.empty() && util::FromHex(text).has_value();
}

TEST(Bech32, EncodeDecodeRoundTrip) {
  const std::vector<uint8_t> values = {0, 1, 2, 3, 31, 30, 29};
  for (auto encoding : {Bech32Encoding::kBech32, Bech32Encoding::kBech32m}) {
    const std::string text = Bech32Encode(encoding, "rprt", values);
    auto decoded = Bech32Decode(text);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, encoding);
    EXPECT_EQ(decoded->hrp, "rprt");
    EXPECT_EQ(decoded->values, values);
  }
}

TEST(Bech32, KnownBip350StringsWithoutFiles) {
  EXPECT_EQ(Bech32Decode("a1lqfn3a").value().encoding, Bech32Encoding::kBech32m);
  EXPECT_EQ(Bech32Decode("A1LQFN3A").value().hrp, "a");
  EXPECT_EQ(Bech32Decode("M1VUXWEZ").error(), Error::kBadChecksum);
  EXPECT_EQ(Bech32Decode("qyrz8wqd2c9m").error(), Error::kNoSeparator);
  EXPECT_EQ(Bech32Decode("in1muywd").error(), Error::kChecksumTooShort);
  EXPECT_EQ(Bech32Decode("y1b0jsk6g").error(), Error::kInvalidDataCharacter);
}

TEST(Bech32, Bip350VectorFile) {
  PARTHENON_REQUIRE_VECTOR(path, "bip350-bech32m-vectors.tsv");
  std::stringstream lines(*testing::ReadFile(path));
  std::string line;
  int valid_strings = 0, invalid_strings = 0, valid_addresses = 0, invalid_addresses = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string kind, text, third;
    std::getline(fields, kind, '\t');
    std::getline(fields, text, '\t');
    std::getline(fields, third, '\t');
    text = Unescape(text);
    SCOPED_TRACE(kind + " " + text);
    if (kind == "valid_bech32m") {
      auto decoded = Bech32Decode(text);
      ASSERT_TRUE(decoded.has_value()) << ToString(decoded.error());
      EXPECT_EQ(decoded->encoding, Bech32Encoding::kBech32m);
      ++valid_strings;
    } else if (kind == "invalid_bech32m") {
      auto decoded = Bech32Decode(text);
      EXPECT_TRUE(!decoded.has_value() || decoded->encoding != Bech32Encoding::kBech32m);
      ++invalid_strings;
    } else if (kind == "valid_address" && IsHex(third)) {
      // The HRP is whatever precedes the separator (bc or tb in these vectors).
      const std::string hrp = text.substr(0, text.rfind('1'));
      auto program = DecodeSegwitAddress(hrp, text);
      ASSERT_TRUE(program.has_value()) << ToString(program.error());
      EXPECT_EQ(util::ToHex(program->ScriptPubKey()), third);
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      EXPECT_EQ(EncodeSegwitAddress(hrp, *program), lower);
      ++valid_addresses;
    } else if (kind == "valid_address") {
      // The third column is the reason this address is invalid.
      EXPECT_FALSE(DecodeSegwitAddress("bc", text).has_value()) << third;
      EXPECT_FALSE(DecodeSegwitAddress("tb", text).has_value()) << third;
      ++invalid_addresses;
    } else {
      ADD_FAILURE() << "unknown vector kind " << kind;
    }
  }
  EXPECT_EQ(valid_strings, 7);
  EXPECT_GT(invalid_strings, 10);
  EXPECT_EQ(valid_addresses, 8);
  EXPECT_GT(invalid_addresses, 10);
}

TEST(Bech32, ConvertBitsPaddingRules) {
  EXPECT_EQ(ConvertBits({0xff}, 8, 5, true).value(), (std::vector<uint8_t>{31, 28}));
  EXPECT_EQ(ConvertBits({31, 28}, 5, 8, false).value(), (std::vector<uint8_t>{0xff}));
  EXPECT_EQ(ConvertBits({31, 29}, 5, 8, false).error(), Error::kInvalidPadding);  // non-zero pad
  EXPECT_EQ(ConvertBits({31, 28, 0}, 5, 8, false).error(), Error::kInvalidPadding);  // > 4 bits
}

}  // namespace
}  // namespace parthenon::wallet

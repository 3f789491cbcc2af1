#include "crypto/schnorr.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/vectors.h"
#include "util/hex.h"

namespace parthenon::crypto {
namespace {

using util::HexToBytes;

template <size_t N>
std::array<std::byte, N> Array(std::string_view hex) {
  const util::Bytes bytes = HexToBytes(hex);
  std::array<std::byte, N> out{};
  EXPECT_EQ(bytes.size(), N) << hex;
  std::copy_n(bytes.begin(), std::min(N, bytes.size()), out.begin());
  return out;
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// BIP340 test vector 1, kept here so the suite has a known answer without ../shared.
TEST(Schnorr, KnownAnswerWithoutVectorFiles) {
  auto key = KeyPair::FromSecret(
      Array<32>("B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF"));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->PublicKey(),
            Array<32>("DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659"));
  const auto message = HexToBytes("243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89");
  const auto sig = key->Sign(message, Array<32>("0000000000000000000000000000000000000000000000000000000000000001"));
  EXPECT_EQ(sig, Array<64>("6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341"
                           "8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A"));
  EXPECT_TRUE(VerifySchnorr(message, key->PublicKey(), sig));
}

TEST(Schnorr, Bip340Vectors) {
  PARTHENON_REQUIRE_VECTOR(path, "bip340-test-vectors.csv");
  auto contents = testing::ReadFile(path);
  ASSERT_TRUE(contents.has_value());
  std::stringstream lines(*contents);
  std::string line;
  std::getline(lines, line);  // header
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto f = SplitCsv(line);
    ASSERT_GE(f.size(), 7u) << line;
    SCOPED_TRACE("vector " + f[0]);
    const util::Bytes message = HexToBytes(f[4]);
    const bool expected = f[6] == "TRUE";
    XOnlyPublicKey key{};
    const util::Bytes key_bytes = HexToBytes(f[2]);
    std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
    const auto sig = Array<64>(f[5]);
    EXPECT_EQ(VerifySchnorr(message, key, sig), expected);
    if (!f[1].empty()) {
      auto pair = KeyPair::FromSecret(Array<32>(f[1]));
      ASSERT_TRUE(pair.has_value());
      EXPECT_EQ(pair->PublicKey(), key);
      EXPECT_EQ(pair->Sign(message, Array<32>(f[3])), sig);
    }
    ++count;
  }
  EXPECT_EQ(count, 19);
}

TEST(Schnorr, RejectsInvalidSecretsAndKeys) {
  EXPECT_EQ(KeyPair::FromSecret(SecretKey{}).error(), Error::kInvalidSecretKey);
  // The curve order n itself is not a valid secret.
  EXPECT_FALSE(KeyPair::FromSecret(
                   Array<32>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"))
                   .has_value());
  // x = p is not a field element.
  const auto bad_key = Array<32>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
  EXPECT_FALSE(IsValidXOnlyKey(bad_key));
  EXPECT_FALSE(VerifySchnorr({}, bad_key, SchnorrSignature{}));
}

TEST(Schnorr, SignVerifyRoundTripAndTamper) {
  const KeyPair key = KeyPair::Generate();
  const auto message = util::AsBytes("a message of any length");
  auto sig = key.Sign(message);
  EXPECT_TRUE(VerifySchnorr(message, key.PublicKey(), sig));
  sig[10] ^= std::byte{1};
  EXPECT_FALSE(VerifySchnorr(message, key.PublicKey(), sig));
}

TEST(Schnorr, TapTweakAgreesForKeyPairAndPublicKey) {
  const KeyPair internal = KeyPair::Generate();
  for (const std::optional<Uint256>& root : {std::optional<Uint256>{}, std::optional<Uint256>{Uint256{}}}) {
    auto tweaked = internal.TapTweak(root);
    ASSERT_TRUE(tweaked.has_value());
    auto output_key = TapTweakPublicKey(internal.PublicKey(), root);
    ASSERT_TRUE(output_key.has_value());
    EXPECT_EQ(tweaked->PublicKey(), *output_key);
    EXPECT_NE(*output_key, internal.PublicKey());
  }
}

}  // namespace
}  // namespace parthenon::crypto

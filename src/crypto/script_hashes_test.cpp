#include "crypto/script_hashes.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace parthenon::crypto {
namespace {

TEST(ScriptHashes, KnownAnswers) {
  // RIPEMD-160 and SHA-1 reference values of "abc"; HASH160 of the empty string.
  EXPECT_EQ(util::ToHex(Ripemd160(util::AsBytes("abc"))), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  EXPECT_EQ(util::ToHex(Sha1(util::AsBytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(util::ToHex(Hash160({})), "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb");
}

}  // namespace
}  // namespace parthenon::crypto

#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include <thread>

#include "util/hex.h"

namespace parthenon::crypto {
namespace {

using util::AsBytes;
using util::ToHex;

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(ToHex(Sha256Hash({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256Hash(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256Hash(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, DoubleHashOfEmptyIsTheBitcoinEmptyChecksum) {
  // The first four bytes are the frame checksum of an empty payload: 5df6e0e2.
  const Uint256 hash = Sha256d({});
  EXPECT_EQ(ToHex(hash.span()), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

TEST(Sha256, IncrementalEqualsOneShotAndCopiesKeepState) {
  const std::string text(1000, 'x');
  Sha256 hasher;
  hasher.Write(AsBytes(std::string_view(text).substr(0, 333)));
  Sha256 copy = hasher;  // midstate after 333 bytes
  hasher.Write(AsBytes(std::string_view(text).substr(333)));
  EXPECT_EQ(hasher.Finalize(), Sha256Hash(AsBytes(text)));
  copy.Write(AsBytes(std::string_view(text).substr(333)));
  EXPECT_EQ(copy.Finalize(), Sha256Hash(AsBytes(text)));
  // Finalize resets.
  EXPECT_EQ(hasher.Finalize(), Sha256Hash({}));
}

TEST(Sha256, TaggedHashMatchesDefinition) {
  const Digest tag = Sha256Hash(AsBytes("TapSighash"));
  Sha256 manual;
  manual.Write(tag).Write(tag).Write(AsBytes("data"));
  EXPECT_EQ(TaggedHash("TapSighash", AsBytes("data")), manual.Finalize());
  TaggedHasher hasher("TapSighash");
  EXPECT_EQ(hasher.Hash(AsBytes("data")), TaggedHash("TapSighash", AsBytes("data")));
}

TEST(Sha256, ThreadLocalContextsAreIndependent) {
  const Uint256 expected = Sha256d(AsBytes("parthenon"));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (Sha256d(AsBytes("parthenon")) != expected) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace parthenon::crypto

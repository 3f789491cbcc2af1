#include "crypto/parallel_verifier.h"

#include <gtest/gtest.h>

#include "crypto/sha256.h"

namespace parthenon::crypto {
namespace {

std::vector<SchnorrCheck> MakeChecks(size_t count) {
  std::vector<SchnorrCheck> checks(count);
  const KeyPair key = KeyPair::Generate();
  for (size_t i = 0; i < count; ++i) {
    const std::string text = "message " + std::to_string(i);
    checks[i].message = Sha256Hash(util::AsBytes(text));
    checks[i].key = key.PublicKey();
    checks[i].signature = key.Sign(checks[i].message);
  }
  return checks;
}

TEST(ParallelVerifier, ReportsExactlyTheFailedChecks) {
  util::ThreadPool pool(2);
  ParallelVerifier verifier(pool);
  auto checks = MakeChecks(200);
  EXPECT_TRUE(verifier.Verify(checks).empty());
  checks[0].signature[0] ^= std::byte{1};
  checks[77].message[5] ^= std::byte{1};
  checks[199].key[31] ^= std::byte{1};
  EXPECT_EQ(verifier.Verify(checks), (std::vector<size_t>{0, 77, 199}));
  EXPECT_FALSE(verifier.VerifyAll(checks));
}

TEST(ParallelVerifier, EmptyAndSingleBatches) {
  util::ThreadPool pool(1);
  ParallelVerifier verifier(pool);
  EXPECT_TRUE(verifier.Verify({}).empty());
  auto checks = MakeChecks(1);
  EXPECT_TRUE(verifier.VerifyAll(checks));
}

TEST(ParallelVerifier, ConcurrentCallersShareThePool) {
  util::ThreadPool pool(2);
  ParallelVerifier verifier(pool);
  const auto good = MakeChecks(64);
  auto bad = good;
  bad[3].signature[1] ^= std::byte{1};
  std::vector<size_t> result_a, result_b;
  std::thread a([&] { result_a = verifier.Verify(good); });
  std::thread b([&] { result_b = verifier.Verify(bad); });
  a.join();
  b.join();
  EXPECT_TRUE(result_a.empty());
  EXPECT_EQ(result_b, std::vector<size_t>{3});
}

}  // namespace
}  // namespace parthenon::crypto

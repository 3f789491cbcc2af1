#include "p2p/transport/certificate.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "p2p/transport/cert_rotation.h"
#include "p2p/transport/tls_context.h"

namespace parthenon::p2p::transport {
namespace {

namespace fs = std::filesystem;

class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parthenon_cert_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(CertificateTest, GeneratesALoadableSelfSignedPair) {
  ASSERT_TRUE(GenerateSelfSigned(Path("c.pem"), Path("k.pem"),
                                 {.days = 10, .common_name = "node-a"}));
  auto info = LoadCertificateInfo(Path("c.pem"), Path("k.pem"));
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(info->subject, "CN=node-a");
  EXPECT_EQ(info->issuer, "CN=node-a");
  EXPECT_EQ(info->fingerprint.size(), 64u);
  EXPECT_NEAR(static_cast<double>(info->valid_until - info->valid_from), 10 * 86400.0, 2);
  EXPECT_FALSE(info->IsExpired());
  EXPECT_TRUE(info->IsExpiringSoon(30));
  EXPECT_FALSE(info->IsExpiringSoon(5));
  struct stat st {};
  ASSERT_EQ(::stat(Path("k.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CertificateTest, ExpiredAndMismatchedPairs) {
  ASSERT_TRUE(GenerateSelfSigned(Path("old.pem"), Path("old.key"),
                                 {.days = 1, .not_before_offset_days = -10}));
  auto info = LoadCertificateInfo(Path("old.pem"));
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->IsExpired());
  ASSERT_TRUE(GenerateSelfSigned(Path("new.pem"), Path("new.key")));
  auto mismatch = LoadCertificateInfo(Path("new.pem"), Path("old.key"));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, TlsErrorCode::kKeyMismatch);
  EXPECT_FALSE(LoadCertificateInfo(Path("missing.pem")));
}

TEST_F(CertificateTest, PinsNormalize) {
  const std::string hex(64, 'a');
  EXPECT_EQ(NormalizePin("sha256:" + std::string(64, 'A')), hex);
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("aa");
  EXPECT_EQ(NormalizePin(colons), hex);
  EXPECT_FALSE(NormalizePin("abcd"));
  EXPECT_FALSE(NormalizePin(std::string(64, 'g')));
}

TEST_F(CertificateTest, EnsureIdentityGeneratesOnceIntoTheDatadir) {
  auto first = EnsureIdentity(dir_);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->cert_path, Path("tls/cert.pem"));
  auto second = EnsureIdentity(dir_);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->generated);
  EXPECT_FALSE(EnsureIdentity(dir_, Path("tls/cert.pem"), std::nullopt));
  EXPECT_TRUE(EnsureIdentity(dir_, Path("tls/cert.pem"), Path("tls/key.pem")));
}

TEST_F(CertificateTest, ContextRejectsBadPinAndBuildsWithGoodOne) {
  ASSERT_TRUE(GenerateSelfSigned(Path("c.pem"), Path("k.pem")));
  TlsOptions options{.mode = TlsMode::kRequired, .cert_file = Path("c.pem"),
                     .key_file = Path("k.pem")};
  options.pins = {"nope"};
  EXPECT_FALSE(TlsContext::Create(options));
  options.pins = {std::string(64, '0')};
  options.peer_pins["10.0.0.1"] = {std::string(64, '1')};
  auto context = TlsContext::Create(options);
  ASSERT_TRUE(context) << context.error().ToString();
  EXPECT_EQ((*context)->PinsFor("10.0.0.1", "").size(), 2u);
  EXPECT_EQ((*context)->PinsFor("10.0.0.2", "").size(), 1u);
}

TEST_F(CertificateTest, RotationNoticesReplacedFilesAndIgnoresHalfReplacedOnes) {
  ASSERT_TRUE(CertificateRotation::GenerateSelfSigned(Path("cert.pem"), Path("key.pem"), 365));
  CertificateRotation rotation;
  ASSERT_TRUE(rotation.Init(dir_.string(), 3600));
  int calls = 0;
  std::string seen;
  rotation.SetRotationCallback([&](const CertificateInfo& info) {
    ++calls;
    seen = info.fingerprint;
  });
  const auto before = rotation.Current().fingerprint;
  EXPECT_FALSE(rotation.CheckNow());
  // A certificate whose key is not in place yet is not taken.
  ASSERT_TRUE(GenerateSelfSigned(Path("cert.pem"), Path("other.key")));
  EXPECT_FALSE(rotation.CheckNow());
  EXPECT_EQ(rotation.Current().fingerprint, before);
  fs::rename(Path("other.key"), Path("key.pem"));
  EXPECT_TRUE(rotation.CheckNow());
  EXPECT_EQ(calls, 1);
  EXPECT_NE(seen, before);
  EXPECT_EQ(rotation.Current().fingerprint, seen);
  EXPECT_EQ(rotation.rotations(), 1u);
  EXPECT_FALSE(rotation.expiring_soon());
}

TEST_F(CertificateTest, RotationWarnsBeforeExpiry) {
  ASSERT_TRUE(GenerateSelfSigned(Path("cert.pem"), Path("key.pem"), {.days = 10}));
  CertificateRotation rotation;
  ASSERT_TRUE(rotation.Init(Path("cert.pem"), Path("key.pem"), std::chrono::hours(1)));
  int warnings = 0;
  rotation.SetExpiryWarningCallback([&](const CertificateInfo&) { ++warnings; });
  rotation.Start();
  rotation.Stop();
  EXPECT_EQ(warnings, 1);
  EXPECT_TRUE(rotation.expiring_soon());
}

}  // namespace
}  // namespace parthenon::p2p::transport

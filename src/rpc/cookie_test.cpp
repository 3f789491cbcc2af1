#include "rpc/cookie.h"

#include <gtest/gtest.h>

#include <fstream>

namespace parthenon::rpc {
namespace {

std::filesystem::path TempPath(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

TEST(Cookie, WriteReadRemoveWithOwnerOnlyPermissions) {
  const auto path = TempPath("parthenon-cookie");
  auto written = WriteCookieFile(path);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->user, kCookieUser);
  EXPECT_EQ(written->password.size(), 64u);
  const auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto read = ReadCookieFile(path);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, *written);
  // A new start writes a new secret.
  EXPECT_NE(WriteCookieFile(path)->password, written->password);
  RemoveCookieFile(path);
  EXPECT_EQ(ReadCookieFile(path).error(), CookieError::kCannotRead);
}

TEST(Cookie, MalformedFile) {
  const auto path = TempPath("parthenon-cookie-bad");
  std::ofstream(path) << "no-colon-here";
  EXPECT_EQ(ReadCookieFile(path).error(), CookieError::kMalformed);
  RemoveCookieFile(path);
}

TEST(Cookie, BasicAuthorizationHeader) {
  const Credentials credentials{"Aladdin", "open sesame"};
  EXPECT_EQ(BasicAuthorization(credentials), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617
  EXPECT_TRUE(CheckBasicAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", credentials));
  EXPECT_FALSE(CheckBasicAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZR==", credentials));
  EXPECT_FALSE(CheckBasicAuthorization("", credentials));
}

}  // namespace
}  // namespace parthenon::rpc

#include "rpc/cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <sstream>

#include "util/hex.h"

namespace parthenon::rpc {

std::string_view ToString(CookieError error) {
  switch (error) {
    case CookieError::kCannotWrite:
      return "cannot write the RPC cookie file";
    case CookieError::kCannotRead:
      return "cannot read the RPC cookie file (is the node running, and is --datadir right?)";
    case CookieError::kMalformed:
      return "the RPC cookie file is not of the form user:password";
  }
  return "unknown cookie error";
}

std::expected<Credentials, CookieError> WriteCookieFile(const std::filesystem::path& path) {
  std::array<std::byte, 32> secret;
  if (RAND_bytes(util::WritableUChars(secret), static_cast<int>(secret.size())) != 1) {
    return std::unexpected(CookieError::kCannotWrite);
  }
  Credentials credentials{std::string(kCookieUser), util::ToHex(secret)};
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    // Created 0600 before any secret is written to it.
    const mode_t old_mask = ::umask(0077);
    std::ofstream out(temp, std::ios::trunc);
    ::umask(old_mask);
    if (!out) return std::unexpected(CookieError::kCannotWrite);
    out << credentials.user << ':' << credentials.password;
    out.close();
    if (!out) return std::unexpected(CookieError::kCannotWrite);
  }
  std::error_code ec;
  std::filesystem::permissions(temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  std::filesystem::rename(temp, path, ec);
  if (ec) return std::unexpected(CookieError::kCannotWrite);
  return credentials;
}

std::expected<Credentials, CookieError> ReadCookieFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(CookieError::kCannotRead);
  std::string line;
  std::getline(in, line);
  const size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
    return std::unexpected(CookieError::kMalformed);
  }
  return Credentials{line.substr(0, colon), line.substr(colon + 1)};
}

void RemoveCookieFile(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

std::string BasicAuthorization(const Credentials& credentials) {
  const std::string plain = credentials.user + ":" + credentials.password;
  std::string encoded(4 * ((plain.size() + 2) / 3), '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(plain.data()),
                                     static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(length));
  return "Basic " + encoded;
}

bool CheckBasicAuthorization(std::string_view header, const Credentials& credentials) {
  const std::string expected = BasicAuthorization(credentials);
  return header.size() == expected.size() &&
         CRYPTO_memcmp(header.data(), expected.data(), expected.size()) == 0;
}

}  // namespace parthenon::rpc

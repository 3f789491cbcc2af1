// RPC credentials and the cookie file: on start the node writes `<datadir>/.cookie` holding
// "__cookie__:<random hex>" (mode 0600, written to a temporary file and renamed), and removes it
// on shutdown; clients on the same machine read it to authenticate. Thread-safe (pure functions
// and file operations on distinct paths).
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace parthenon::rpc {

inline constexpr std::string_view kCookieUser = "__cookie__";
inline constexpr std::string_view kCookieFileName = ".cookie";

struct Credentials {
  std::string user;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

enum class CookieError {
  kCannotWrite,
  kCannotRead,
  kMalformed,
};
std::string_view ToString(CookieError error);

// Writes a fresh cookie with a 256-bit random password.
[[nodiscard]] std::expected<Credentials, CookieError> WriteCookieFile(const std::filesystem::path& path);
[[nodiscard]] std::expected<Credentials, CookieError> ReadCookieFile(const std::filesystem::path& path);
void RemoveCookieFile(const std::filesystem::path& path);

// "Basic <base64(user:password)>", the HTTP Authorization header value.
std::string BasicAuthorization(const Credentials& credentials);
// True if `header` is exactly BasicAuthorization(credentials) (compared in constant time).
bool CheckBasicAuthorization(std::string_view header, const Credentials& credentials);

}  // namespace parthenon::rpc

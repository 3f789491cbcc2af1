#include "p2p/anchors.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "crypto/sha256.h"

namespace parthenon::p2p {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kEntryBytes = 18;
constexpr size_t kChecksumBytes = 4;
constexpr size_t kMaxFileBytes = 2 + kMaxAnchors * kEntryBytes + kChecksumBytes;

void AppendChecksum(util::Bytes& out) {
  const auto digest = crypto::Sha256Hash(out);
  out.insert(out.end(), digest.begin(), digest.begin() + kChecksumBytes);
}

}  // namespace

util::Bytes EncodeAnchors(const std::vector<wire::NetAddress>& anchors) {
  const size_t count = std::min(anchors.size(), kMaxAnchors);
  util::Bytes out{std::byte{kVersion}, static_cast<std::byte>(count)};
  for (size_t i = 0; i < count; ++i) {
    const auto& ip = anchors[i].ip();
    out.insert(out.end(), ip.begin(), ip.end());
    out.push_back(static_cast<std::byte>(anchors[i].port() >> 8));
    out.push_back(static_cast<std::byte>(anchors[i].port() & 0xFF));
  }
  AppendChecksum(out);
  return out;
}

std::optional<std::vector<wire::NetAddress>> DecodeAnchors(util::ByteSpan bytes) {
  if (bytes.size() < 2 + kChecksumBytes || bytes[0] != std::byte{kVersion}) return std::nullopt;
  const size_t count = std::to_integer<size_t>(bytes[1]);
  if (count > kMaxAnchors || bytes.size() != 2 + count * kEntryBytes + kChecksumBytes) {
    return std::nullopt;
  }
  const auto body = bytes.first(bytes.size() - kChecksumBytes);
  const auto digest = crypto::Sha256Hash(body);
  if (!std::equal(digest.begin(), digest.begin() + kChecksumBytes, body.end())) return std::nullopt;
  std::vector<wire::NetAddress> anchors;
  for (size_t i = 0; i < count; ++i) {
    const std::byte* entry = bytes.data() + 2 + i * kEntryBytes;
    wire::NetAddress::IpBytes ip;
    std::copy(entry, entry + ip.size(), ip.begin());
    const auto port = static_cast<uint16_t>((std::to_integer<unsigned>(entry[16]) << 8) |
                                            std::to_integer<unsigned>(entry[17]));
    anchors.emplace_back(ip, port);
  }
  return anchors;
}

bool WriteAnchorsFile(const std::filesystem::path& path,
                      const std::vector<wire::NetAddress>& anchors) {
  const auto bytes = EncodeAnchors(anchors);
  auto temporary = path;
  temporary += ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

std::vector<wire::NetAddress> TakeAnchorsFile(const std::filesystem::path& path) {
  std::vector<char> raw;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (raw.size() > kMaxFileBytes) return {};
  auto decoded =
      DecodeAnchors(util::ByteSpan(reinterpret_cast<const std::byte*>(raw.data()), raw.size()));
  return decoded.value_or(std::vector<wire::NetAddress>{});
}

}  // namespace parthenon::p2p

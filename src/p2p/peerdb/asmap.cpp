#include "p2p/peerdb/asmap.h"

#include <array>
#include <bit>
#include <fstream>
#include <iterator>
#include <span>

#include "p2p/peerdb/geoip.h"
#include "p2p/peerdb/netgroup.h"

namespace parthenon::p2p {
namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFF;

// Variable-length integers of the asmap format: `sizes` lists the mantissa widths of the
// successive classes; before each class but the last a 1 bit means "larger than this class".
using Pos = std::vector<bool>::const_iterator;
uint32_t DecodeBits(Pos& pos, const Pos end, uint32_t min_value, std::span<const uint8_t> sizes) {
  uint32_t value = min_value;
  for (size_t i = 0; i < sizes.size(); ++i) {
    bool larger = false;
    if (i + 1 != sizes.size()) {
      if (pos == end) return kInvalid;
      larger = *pos++;
    }
    if (larger) {
      value += uint32_t{1} << sizes[i];
      continue;
    }
    for (int b = sizes[i] - 1; b >= 0; --b) {
      if (pos == end) return kInvalid;
      value += static_cast<uint32_t>(*pos++) << b;
    }
    return value;
  }
  return kInvalid;
}

enum class Op : uint32_t { kReturn = 0, kJump = 1, kMatch = 2, kDefault = 3 };
constexpr std::array<uint8_t, 3> kTypeSizes{0, 0, 1};
constexpr std::array<uint8_t, 10> kAsnSizes{15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
constexpr std::array<uint8_t, 8> kMatchSizes{1, 2, 3, 4, 5, 6, 7, 8};
constexpr std::array<uint8_t, 26> kJumpSizes{5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17,
                                             18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};

std::vector<bool> IpBits(const wire::NetAddress& address) {
  std::vector<bool> bits;
  bits.reserve(128);
  for (std::byte b : address.ip()) {
    for (int i = 7; i >= 0; --i) bits.push_back(((std::to_integer<uint8_t>(b) >> i) & 1) != 0);
  }
  return bits;
}

}  // namespace

uint32_t InterpretAsmap(const std::vector<bool>& program, const std::vector<bool>& ip_bits) {
  Pos pos = program.begin();
  const Pos end = program.end();
  size_t left = ip_bits.size();
  uint32_t default_asn = 0;
  while (pos != end) {
    const uint32_t op = DecodeBits(pos, end, 0, kTypeSizes);
    if (op == static_cast<uint32_t>(Op::kReturn)) {
      const uint32_t asn = DecodeBits(pos, end, 1, kAsnSizes);
      return asn == kInvalid ? 0 : asn;
    }
    if (op == static_cast<uint32_t>(Op::kJump)) {
      const uint32_t jump = DecodeBits(pos, end, 17, kJumpSizes);
      if (jump == kInvalid || left == 0 || int64_t{jump} >= end - pos) return 0;
      if (ip_bits[ip_bits.size() - left]) pos += jump;
      --left;
    } else if (op == static_cast<uint32_t>(Op::kMatch)) {
      const uint32_t match = DecodeBits(pos, end, 2, kMatchSizes);
      if (match == kInvalid) return 0;
      const int length = std::bit_width(match) - 1;  // the leading 1 marks the length
      if (left < static_cast<size_t>(length)) return 0;
      for (int bit = length - 1; bit >= 0; --bit) {
        if (ip_bits[ip_bits.size() - left] != (((match >> bit) & 1) != 0)) return default_asn;
        --left;
      }
    } else if (op == static_cast<uint32_t>(Op::kDefault)) {
      default_asn = DecodeBits(pos, end, 1, kAsnSizes);
      if (default_asn == kInvalid) return 0;
    } else {
      return 0;  // the opcode ran off the end
    }
  }
  return 0;  // no RETURN before the end
}

std::expected<Asmap, std::string> Asmap::FromBytes(util::ByteSpan bytes) {
  if (bytes.empty()) return std::unexpected(std::string("empty asmap"));
  if (bytes.size() > kMaxFileBytes) return std::unexpected(std::string("asmap too large"));
  std::vector<bool> bits;
  bits.reserve(bytes.size() * 8);
  for (std::byte b : bytes) {
    for (int i = 0; i < 8; ++i) bits.push_back(((std::to_integer<uint8_t>(b) >> i) & 1) != 0);
  }
  return Asmap(std::move(bits));
}

std::expected<Asmap, std::string> Asmap::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot open " + path.string());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return std::unexpected(path.string() + ": bad size");
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return FromBytes(util::ByteSpan(reinterpret_cast<const std::byte*>(raw.data()), raw.size()));
}

uint32_t Asmap::Lookup(const wire::NetAddress& address) const {
  return InterpretAsmap(bits_, IpBits(address));
}

}  // namespace parthenon::p2p

namespace parthenon::p2p {

std::function<std::string(const wire::NetAddress&)> AsGrouping(const Asmap* asmap,
                                                               const GeoIp* geoip) {
  if (asmap == nullptr && geoip == nullptr) return {};
  return [asmap, geoip](const wire::NetAddress& address) {
    if (asmap != nullptr) {
      if (const uint32_t asn = asmap->Lookup(address); asn != 0) return "AS" + std::to_string(asn);
    }
    if (geoip != nullptr) {
      if (auto info = geoip->Lookup(address); info && !info->asn.empty()) return info->asn;
    }
    return NetGroup(address);
  };
}

}  // namespace parthenon::p2p

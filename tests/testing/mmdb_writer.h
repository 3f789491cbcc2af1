// Test support: writes a small MaxMind DB (.mmdb, format 2.0) so GeoIP code is tested without a
// downloaded database. IPv4 tree (ip_version 4), 24-bit records. Each network maps to a map with
// the GeoLite2 field paths the product reads: country.iso_code, autonomous_system_number,
// autonomous_system_organization, location.latitude/longitude. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace parthenon::testing {

struct MmdbNetwork {
  std::array<uint8_t, 4> ip{};
  int prefix = 24;  // 1..32
  std::string country;
  uint32_t asn = 0;  // 0: absent
  std::string organization;
  double latitude = 0;
  double longitude = 0;
};

class MmdbWriter {
 public:
  void Add(MmdbNetwork network) { networks_.push_back(std::move(network)); }

  // Writes the file; returns false on I/O failure.
  bool Write(const std::string& path) const {
    // 1. The data section: one map per network.
    std::vector<uint8_t> data;
    std::vector<uint32_t> offsets;
    for (const auto& n : networks_) {
      offsets.push_back(static_cast<uint32_t>(data.size()));
      size_t pairs = 0;
      std::vector<uint8_t> body;
      if (!n.country.empty()) {
        String(body, "country");
        Map(body, 1);
        String(body, "iso_code");
        String(body, n.country);
        ++pairs;
      }
      if (n.asn != 0) {
        String(body, "autonomous_system_number");
        Uint(body, 6, n.asn, 4);
        ++pairs;
      }
      if (!n.organization.empty()) {
        String(body, "autonomous_system_organization");
        String(body, n.organization);
        ++pairs;
      }
      String(body, "location");
      Map(body, 2);
      String(body, "latitude");
      Double(body, n.latitude);
      String(body, "longitude");
      Double(body, n.longitude);
      ++pairs;
      Map(data, pairs);
      data.insert(data.end(), body.begin(), body.end());
    }
    // 2. The search tree: a binary trie over the prefixes' bits.
    struct Node {
      int child[2] = {-1, -1};
      int leaf[2] = {-1, -1};  // index into networks_
    };
    std::vector<Node> nodes(1);
    for (size_t i = 0; i < networks_.size(); ++i) {
      const auto& n = networks_[i];
      const uint32_t bits = (uint32_t{n.ip[0]} << 24) | (uint32_t{n.ip[1]} << 16) |
                            (uint32_t{n.ip[2]} << 8) | n.ip[3];
      size_t node = 0;
      for (int depth = 0; depth < n.prefix; ++depth) {
        const int bit = (bits >> (31 - depth)) & 1;
        if (depth == n.prefix - 1) {
          nodes[node].leaf[bit] = static_cast<int>(i);
        } else {
          if (nodes[node].child[bit] < 0) {
            nodes[node].child[bit] = static_cast<int>(nodes.size());
            nodes.emplace_back();
          }
          node = static_cast<size_t>(nodes[node].child[bit]);
        }
      }
    }
    const auto node_count = static_cast<uint32_t>(nodes.size());
    std::vector<uint8_t> file;
    for (const auto& node : nodes) {
      for (int side = 0; side < 2; ++side) {
        uint32_t record = node_count;  // "no data"
        if (node.child[side] >= 0) record = static_cast<uint32_t>(node.child[side]);
        if (node.leaf[side] >= 0) {
          record = node_count + 16 + offsets[static_cast<size_t>(node.leaf[side])];
        }
        file.push_back(static_cast<uint8_t>(record >> 16));
        file.push_back(static_cast<uint8_t>(record >> 8));
        file.push_back(static_cast<uint8_t>(record));
      }
    }
    file.insert(file.end(), 16, 0);  // data section separator
    file.insert(file.end(), data.begin(), data.end());
    // 3. Metadata.
    static constexpr uint8_t kMarker[] = {0xAB, 0xCD, 0xEF, 'M', 'a', 'x', 'M', 'i', 'n', 'd',
                                          '.',  'c',  'o',  'm'};
    file.insert(file.end(), std::begin(kMarker), std::end(kMarker));
    Map(file, 9);
    String(file, "node_count");
    Uint(file, 6, node_count, 4);
    String(file, "record_size");
    Uint(file, 5, 24, 2);
    String(file, "ip_version");
    Uint(file, 5, 4, 2);
    String(file, "database_type");
    String(file, "Parthenon-Test");
    String(file, "languages");
    file.push_back(0x01);  // array (extended type 11), 1 element
    file.push_back(11 - 7);
    String(file, "en");
    String(file, "binary_format_major_version");
    Uint(file, 5, 2, 2);
    String(file, "binary_format_minor_version");
    Uint(file, 5, 0, 2);
    String(file, "build_epoch");
    file.push_back(0x08);  // uint64 (extended type 9), 8 bytes
    file.push_back(9 - 7);
    for (int i = 7; i >= 0; --i) file.push_back(static_cast<uint8_t>(1'700'000'000ULL >> (8 * i)));
    String(file, "description");
    Map(file, 1);
    String(file, "en");
    String(file, "test database");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    return static_cast<bool>(out);
  }

 private:
  // Control byte: type in the top 3 bits, size in the low 5 (29: one more byte holds size - 29).
  // REQUIRES: size < 285.
  static void Control(std::vector<uint8_t>& out, int type, size_t size) {
    if (size < 29) {
      out.push_back(static_cast<uint8_t>((type << 5) | static_cast<int>(size)));
    } else {
      out.push_back(static_cast<uint8_t>((type << 5) | 29));
      out.push_back(static_cast<uint8_t>(size - 29));
    }
  }
  static void String(std::vector<uint8_t>& out, const std::string& s) {
    Control(out, 2, s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  static void Map(std::vector<uint8_t>& out, size_t pairs) { Control(out, 7, pairs); }
  static void Uint(std::vector<uint8_t>& out, int type, uint64_t value, int bytes) {
    Control(out, type, static_cast<size_t>(bytes));
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  static void Double(std::vector<uint8_t>& out, double value) {
    Control(out, 3, 8);
    uint64_t bits;
    static_assert(sizeof bits == sizeof value);
    __builtin_memcpy(&bits, &value, 8);
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }

  std::vector<MmdbNetwork> networks_;
};

}  // namespace parthenon::testing

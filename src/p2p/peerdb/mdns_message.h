// mDNS messages (RFC 6762 over the DNS message format of RFC 1035 §4, service records per
// RFC 6763): the subset local discovery needs — questions, and PTR / SRV / TXT / A / AAAA
// answers — encoded and decoded without I/O. Decoding is bounded: at most kMaxPacket bytes, 64
// records per section, names ≤ 255 bytes, compression pointers only backwards and at most
// kMaxPointerJumps per name, so a hostile packet costs O(size) and cannot loop.
// Thread-compatible (values and pure functions).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace parthenon::p2p::mdns {

inline constexpr size_t kMaxPacket = 9000;  // RFC 6762 §17: the largest mDNS message
inline constexpr size_t kMaxRecords = 64;   // per section; more: the packet is refused
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr int kMaxPointerJumps = 16;

enum class RecordType : uint16_t { kA = 1, kPtr = 12, kTxt = 16, kAaaa = 28, kSrv = 33, kAny = 255 };

struct Question {
  std::string name;  // dotted, without the final dot: "_parthenon._tcp.local"
  uint16_t type = 0;
  bool unicast_response = false;  // the QU bit (top bit of the class)
  bool operator==(const Question&) const = default;
};

struct Record {
  std::string name;
  uint16_t type = 0;
  bool cache_flush = false;  // top bit of the class
  uint32_t ttl = 0;
  // Decoded rdata, by type (others keep only `raw`).
  std::string target;                 // PTR: the instance; SRV: the host
  uint16_t port = 0;                  // SRV
  std::vector<std::string> txt;       // TXT strings ("key=value")
  std::array<uint8_t, 4> ipv4{};      // A
  std::array<uint8_t, 16> ipv6{};     // AAAA
  util::Bytes raw;                    // rdata of any other type
  bool operator==(const Record&) const = default;
};

struct Message {
  uint16_t id = 0;
  bool response = false;  // QR bit
  std::vector<Question> questions;
  std::vector<Record> answers;     // answer + authority + additional sections together
  bool operator==(const Message&) const = default;
};

// nullopt if malformed, truncated, over a bound, or carries trailing bytes.
std::optional<Message> Decode(util::ByteSpan packet);
// Names are written uncompressed (our messages are small); labels are cut at 63 bytes and
// empty labels skipped.
util::Bytes Encode(const Message& message);

}  // namespace parthenon::p2p::mdns

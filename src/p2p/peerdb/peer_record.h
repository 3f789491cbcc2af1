// PeerRecord: everything the peer database knows about one address, and its storage encoding
// (one RocksDB value per address in the `peers` column; key = 16-byte IP + 2-byte port, big
// endian). Bans of IPs and subnets live in the `bans` column as BanEntry values keyed by the
// subnet's text. Pure value types and codecs, no I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "p2p/peerdb/addrman.h"
#include "p2p/peerdb/subnet.h"
#include "p2p/wire/net_address.h"
#include "util/bytes.h"

namespace parthenon::p2p {

struct PeerRecord {
  wire::NetAddress address;  // IP and port: the record's identity
  uint64_t services = 0;
  int64_t first_seen = 0;    // Unix seconds
  int64_t last_seen = 0;     // Unix seconds: last successful connection or fresh addr entry
  int64_t last_attempt = 0;  // Unix seconds of the last outbound dial
  int64_t last_success = 0;
  int64_t last_block = 0;    // last block / transaction received from it (eviction protection)
  int64_t last_tx = 0;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  int64_t ban_until = 0;     // Unix seconds; banned while now < ban_until
  // Unix seconds; until then the peer is known to follow another chain and is not dialled.
  int64_t wrong_chain_until = 0;
  double score = 50.0;
  uint64_t blocks = 0;
  uint64_t txs = 0;
  uint64_t invalid = 0;
  uint64_t violations = 0;
  // Netgroup of the peer that told us about this address ("" = config, DNS or a connection).
  std::string source_group;
  // Geolocation (empty / 0 when unknown).
  std::string country;  // ISO 3166-1 alpha-2
  std::string asn;      // "AS15169"
  double latitude = 0;
  double longitude = 0;
  std::string isp;
  // The address-manager table the address is in (kNone: known and scored, not selectable).
  AddrTable table = AddrTable::kNone;
  // Seconds of finished connections with it, in or out (getpeerscore's P1, time in mesh).
  uint64_t connected_seconds = 0;

  bool operator==(const PeerRecord&) const = default;
};

// An IP or subnet ban.
struct BanEntry {
  Subnet subnet;
  int64_t created = 0;     // Unix seconds
  int64_t ban_until = 0;   // Unix seconds
  std::string reason;      // "manual", "5 protocol violations", ...
  bool operator==(const BanEntry&) const = default;
};

// Record codec. Layout (all integers little endian, strings as u8 length + bytes):
//   u8 version (=3) | 16 IP | u16 port | u64 services | 6 × i64 times (first_seen, last_seen,
//   last_attempt, last_success, last_block, last_tx) | u64 attempts, successes, failures |
//   i64 ban_until | f64 score | u64 blocks, txs, invalid, violations | str source_group |
//   str country | str asn | f64 latitude | f64 longitude | str isp | i64 wrong_chain_until |
//   u8 table (0 none, 1 new, 2 tried) | u64 connected_seconds
// (version 2 records, without the table, and version 1 records, also without
// wrong_chain_until, still decode).
// Decoding rejects a wrong version, truncation, trailing bytes, a non-finite score or one
// outside [0, 100].
util::Bytes EncodePeerRecord(const PeerRecord& record);
std::optional<PeerRecord> DecodePeerRecord(util::ByteSpan bytes);
// The `peers` key of an address: 16 IP bytes then the port big endian.
util::Bytes PeerKey(const wire::NetAddress& address);

// Ban codec: u8 version (=1) | 16 IP | u8 prefix | i64 created | i64 ban_until | str reason.
util::Bytes EncodeBanEntry(const BanEntry& ban);
std::optional<BanEntry> DecodeBanEntry(util::ByteSpan bytes);

}  // namespace parthenon::p2p

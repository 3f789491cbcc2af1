// Typed P2P messages and their payload codecs (Bitcoin developer reference layouts).
//
// A Message is a std::variant with one alternative per entry of PARTHENON_WIRE_COMMANDS (in
// that order) plus Unknown, which carries any command we do not understand; handlers ignore
// it. Encode() writes a payload; DecodeMessage() reads one, enforcing every cap of protocol.h.
// Framing (magic, command field, length, checksum) is frame.h's job.
//
// Plain value types (thread-compatible); the functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crypto/uint256.h"
#include "p2p/wire/commands.h"
#include "p2p/wire/error.h"
#include "p2p/wire/net_address.h"
#include "primitives/block.h"
#include "primitives/transaction.h"
#include "util/bytes.h"

namespace parthenon::p2p::wire {

// `net_addr` without the time field, as in `version`.
struct ServiceAddress {
  uint64_t services = 0;
  NetAddress address;
  bool operator==(const ServiceAddress&) const = default;
};

// One `addr` entry: `net_addr` with its time field.
struct AddrEntry {
  uint32_t time = 0;  // Unix seconds the address was last seen
  ServiceAddress service;
  bool operator==(const AddrEntry&) const = default;
};

// Inventory types. Other values are legal on the wire (and kept), but mean nothing to us.
enum class InvType : uint32_t {
  kError = 0,
  kTx = 1,
  kBlock = 2,
  kFilteredBlock = 3,
  kCompactBlock = 4,
  kWtx = 5,
  kWitnessTx = 0x40000001,
  kWitnessBlock = 0x40000002,
};

struct InvItem {
  InvType type = InvType::kError;
  crypto::Uint256 hash;
  bool operator==(const InvItem&) const = default;
};

struct Version {
  int32_t version = kProtocolVersion;
  uint64_t services = 0;
  int64_t timestamp = 0;  // Unix seconds
  ServiceAddress addr_recv;
  ServiceAddress addr_from;
  uint64_t nonce = 0;
  std::string user_agent;  // at most kMaxUserAgentSize bytes
  int32_t start_height = 0;
  // BIP37 relay flag; absent in some peers' messages (absent means relay).
  std::optional<bool> relay;
  bool operator==(const Version&) const = default;
};

struct Verack {
  bool operator==(const Verack&) const = default;
};
struct Ping {
  uint64_t nonce = 0;
  bool operator==(const Ping&) const = default;
};
struct Pong {
  uint64_t nonce = 0;
  bool operator==(const Pong&) const = default;
};
struct Addr {
  std::vector<AddrEntry> entries;  // at most kMaxAddrEntries
  bool operator==(const Addr&) const = default;
};
struct GetAddr {
  bool operator==(const GetAddr&) const = default;
};
// inv, getdata and notfound share a layout (at most kMaxInvEntries items each).
struct Inv {
  std::vector<InvItem> items;
  bool operator==(const Inv&) const = default;
};
struct GetData {
  std::vector<InvItem> items;
  bool operator==(const GetData&) const = default;
};
struct NotFound {
  std::vector<InvItem> items;
  bool operator==(const NotFound&) const = default;
};
// getheaders and getblocks share a layout.
struct GetHeaders {
  uint32_t version = kProtocolVersion;
  std::vector<crypto::Uint256> locator;  // at most kMaxLocatorEntries
  crypto::Uint256 stop_hash;             // zero: as many as allowed
  bool operator==(const GetHeaders&) const = default;
};
struct GetBlocks {
  uint32_t version = kProtocolVersion;
  std::vector<crypto::Uint256> locator;
  crypto::Uint256 stop_hash;
  bool operator==(const GetBlocks&) const = default;
};
// Each header is followed on the wire by a CompactSize transaction count, always 0.
struct Headers {
  std::vector<primitives::BlockHeader> headers;  // at most kMaxHeadersEntries
  bool operator==(const Headers&) const = default;
};
// `witness` says how Encode() writes the payload: kExclude answers MSG_BLOCK / MSG_TX requests
// (BIP144: without witness data), kInclude the MSG_WITNESS_* ones. Decoding reads either form and
// leaves kInclude.
struct BlockMessage {
  primitives::Block block;
  primitives::WitnessMode witness = primitives::WitnessMode::kInclude;
  bool operator==(const BlockMessage&) const = default;
};
struct TxMessage {
  primitives::Transaction tx;
  primitives::WitnessMode witness = primitives::WitnessMode::kInclude;
  bool operator==(const TxMessage&) const = default;
};
// BIP61 (deprecated, still seen): the rejected command, a code, a reason and, for blocks and
// transactions, the rejected object's hash.
struct Reject {
  std::string message;  // at most kCommandSize bytes
  uint8_t code = 0;
  std::string reason;  // at most kMaxRejectReasonSize bytes
  std::optional<crypto::Uint256> data;
  bool operator==(const Reject&) const = default;
};
struct SendHeaders {
  bool operator==(const SendHeaders&) const = default;
};
// BIP133: minimum fee rate, base units per 1000 virtual bytes.
struct FeeFilter {
  int64_t fee_rate = 0;
  bool operator==(const FeeFilter&) const = default;
};
struct MemPool {
  bool operator==(const MemPool&) const = default;
};
// BIP339 and BIP155 announcements: decoded, and ignored by Parthenon.
struct WtxidRelay {
  bool operator==(const WtxidRelay&) const = default;
};
struct SendAddrV2 {
  bool operator==(const SendAddrV2&) const = default;
};
// BIP155 network ids.
enum class AddrV2Network : uint8_t {
  kIpv4 = 1, kIpv6 = 2, kTorV2 = 3, kTorV3 = 4, kI2p = 5, kCjdns = 6,
};
// One addrv2 entry. Known networks have their BIP155 address length (checked when decoding);
// unknown ids are kept as they came (BIP155: ignore them, never reject the message).
struct AddrV2Entry {
  uint32_t time = 0;
  uint64_t services = 0;
  uint8_t network = 0;
  util::Bytes address;  // at most kMaxAddrV2AddressSize bytes
  uint16_t port = 0;
  // The entry as a dialable IPv4/IPv6 address; nullopt for other networks (Tor, I2P, CJDNS,
  // unknown) and for IPv6 entries that embed IPv4 or Tor (BIP155 says to ignore those).
  std::optional<NetAddress> ToNetAddress() const;
  static AddrV2Entry FromNetAddress(uint32_t time, uint64_t services, const NetAddress& address);
  bool operator==(const AddrV2Entry&) const = default;
};
struct AddrV2 {
  std::vector<AddrV2Entry> entries;  // at most kMaxAddrEntries
  bool operator==(const AddrV2&) const = default;
};
// BIP152 compact blocks (version 2: short ids of wtxids, transactions with witness data).
// `sendcmpct`: the version the sender speaks, and whether it wants new blocks pushed to it as
// cmpctblock without asking (high-bandwidth mode) or announced as usual (low-bandwidth).
struct SendCmpct {
  bool announce = false;
  uint64_t version = 2;
  bool operator==(const SendCmpct&) const = default;
};
// A transaction sent whole inside a cmpctblock, with its position in the block. On the wire the
// positions are differentially encoded (each as the gap after the previous one); here they are
// absolute.
struct PrefilledTransaction {
  uint32_t index = 0;  // < 2^16 (BIP152: positions must fit 16 bits)
  primitives::Transaction tx;
  bool operator==(const PrefilledTransaction&) const = default;
};
// `cmpctblock`: a header, the nonce keying the short ids, a 6-byte short id (little-endian,
// kept in the low 48 bits) for each transaction not prefilled, and the prefilled ones.
// At most kMaxBlockTransactions short ids and prefilled transactions together.
struct CmpctBlock {
  primitives::BlockHeader header;
  uint64_t nonce = 0;
  std::vector<uint64_t> short_ids;
  std::vector<PrefilledTransaction> prefilled;  // in increasing index order
  bool operator==(const CmpctBlock&) const = default;
};
// `getblocktxn`: the positions (absolute here, differential on the wire, increasing) of the
// transactions of `block_hash` the sender could not fill.
struct GetBlockTxn {
  crypto::Uint256 block_hash;
  std::vector<uint32_t> indexes;  // each < 2^16, increasing
  bool operator==(const GetBlockTxn&) const = default;
};
// `blocktxn`: the transactions a getblocktxn asked for, in its order, with witness data.
struct BlockTxn {
  crypto::Uint256 block_hash;
  std::vector<primitives::Transaction> transactions;
  bool operator==(const BlockTxn&) const = default;
};
// Any command we do not know; handlers ignore it.
struct Unknown {
  std::string command;
  util::Bytes payload;
  bool operator==(const Unknown&) const = default;
};

using Message = std::variant<
#define PARTHENON_WIRE_ALTERNATIVE(type, name, cap) type,
    PARTHENON_WIRE_COMMANDS(PARTHENON_WIRE_ALTERNATIVE)
#undef PARTHENON_WIRE_ALTERNATIVE
        Unknown>;
static_assert(std::variant_size_v<Message> == kCommandCount + 1);

// The command field for `message` (Unknown's own command for Unknown).
std::string_view CommandName(const Message& message);

// The payload of `message`.
// REQUIRES: the message respects the caps of protocol.h (a peer rejects it otherwise).
util::Bytes Encode(const Message& message);
// Appends the payload of `message` to `out`.
void EncodeTo(primitives::Writer& out, const Message& message);

// Decodes the payload of command `command`. Unknown commands decode to Unknown; every known
// command's payload must be exactly one well-formed message within its caps.
[[nodiscard]] Result<Message> DecodeMessage(std::string_view command, util::ByteSpan payload);

}  // namespace parthenon::p2p::wire

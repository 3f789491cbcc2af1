// Constants of the Bitcoin P2P wire protocol as Parthenon speaks it (DESIGN.md §3): protocol
// versions, network magics, service bits, and the size caps every decoder enforces.
// Header-only constants; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "primitives/serialize.h"

namespace parthenon::p2p::wire {

// The protocol version we send, and the oldest peer version we talk to.
inline constexpr int32_t kProtocolVersion = 70016;
inline constexpr int32_t kMinPeerProtocolVersion = 70001;
// BIP133: `feefilter` is sent to peers of at least this version.
inline constexpr int32_t kFeeFilterVersion = 70013;
// BIP339: `wtxidrelay` is sent to (and honoured from) peers of at least this version.
inline constexpr int32_t kWtxidRelayVersion = 70016;

// The first four bytes of every frame, as they appear on the wire.
using Magic = std::array<std::byte, 4>;
inline constexpr Magic kMainMagic = {std::byte{0xf9}, std::byte{0xbe}, std::byte{0xb4},
                                     std::byte{0xd9}};
inline constexpr Magic kTestnetMagic = {std::byte{0x0b}, std::byte{0x11}, std::byte{0x09},
                                        std::byte{0x07}};
inline constexpr Magic kRegtestMagic = {std::byte{0xfa}, std::byte{0xbf}, std::byte{0xb5},
                                        std::byte{0xda}};

// Service bits advertised in `version` and `addr`.
inline constexpr uint64_t kNodeNetwork = 1;
inline constexpr uint64_t kNodeWitness = 1 << 3;
// Parthenon's own bit: "accepts TLS on this port".
inline constexpr uint64_t kNodeTls = 1 << 24;

// Frame layout: magic[4] | command[12] | payload length u32 LE | checksum[4].
inline constexpr size_t kMagicSize = 4;
inline constexpr size_t kCommandSize = 12;
inline constexpr size_t kChecksumSize = 4;
inline constexpr size_t kFrameHeaderSize = kMagicSize + kCommandSize + 4 + kChecksumSize;

// Absolute payload cap for any command, known or not (Bitcoin's MAX_SIZE).
inline constexpr uint32_t kMaxMessageSize = 32 * 1024 * 1024;
static_assert(kMaxMessageSize == primitives::kMaxSize);

// Entry caps.
inline constexpr size_t kMaxAddrEntries = 1000;
inline constexpr size_t kMaxInvEntries = 50'000;
inline constexpr size_t kMaxHeadersEntries = 2000;
inline constexpr size_t kMaxLocatorEntries = 101;

// Field caps.
inline constexpr size_t kMaxUserAgentSize = 256;
inline constexpr size_t kMaxRejectReasonSize = 111;

// Serialized sizes of fixed-size elements.
inline constexpr size_t kNetAddressSize = 16 + 2;            // IPv6 bytes, port
inline constexpr size_t kServiceAddressSize = 8 + kNetAddressSize;  // services first
inline constexpr size_t kAddrEntrySize = 4 + kServiceAddressSize;   // u32 time first
inline constexpr size_t kInvEntrySize = 4 + 32;
inline constexpr size_t kHashSize = 32;
inline constexpr size_t kHeaderEntryMinSize = 80 + 1;  // header, CompactSize tx count (0)

// A block's serialized size cannot exceed its weight (weight = 3 × base size + total size),
// so the 4,000,000 weight limit bounds a block message; the slack covers nothing today but
// keeps the cap from being the tightest rule if the block layout grows a field.
inline constexpr uint32_t kMaxBlockWeight = 4'000'000;
inline constexpr uint32_t kMaxBlockMessageSize = kMaxBlockWeight + 4096;

// Per-command payload caps, checked against the frame header before any payload is read.
inline constexpr uint32_t kMaxVersionSize = 1024;
inline constexpr uint32_t kPingSize = 8;
inline constexpr uint32_t kFeeFilterSize = 8;
inline constexpr uint32_t kMaxAddrSize = static_cast<uint32_t>(
    primitives::CompactSizeLength(kMaxAddrEntries) + kMaxAddrEntries * kAddrEntrySize);
inline constexpr uint32_t kMaxInvSize = static_cast<uint32_t>(
    primitives::CompactSizeLength(kMaxInvEntries) + kMaxInvEntries * kInvEntrySize);
inline constexpr uint32_t kMaxHeadersSize = static_cast<uint32_t>(
    primitives::CompactSizeLength(kMaxHeadersEntries) + kMaxHeadersEntries * kHeaderEntryMinSize);
inline constexpr uint32_t kMaxLocatorMessageSize = static_cast<uint32_t>(
    4 + primitives::CompactSizeLength(kMaxLocatorEntries) + (kMaxLocatorEntries + 1) * kHashSize);
inline constexpr uint32_t kMaxRejectSize = static_cast<uint32_t>(
    1 + kCommandSize + 1 + primitives::CompactSizeLength(kMaxRejectReasonSize) +
    kMaxRejectReasonSize + kHashSize);
// A transaction can be no larger than a block.
// Bitcoin Core's MAX_PROTOCOL_MESSAGE_LENGTH: the cap of every message but `block`.
inline constexpr uint32_t kMaxProtocolMessageLength = 4'000'000;
// `tx`: a transaction's serialized size is at most its weight, and no node relays one above the
// standard weight (400,000, Bitcoin Core's MAX_STANDARD_TX_WEIGHT and our mempool's limit), so a
// larger `tx` message is refused at its header: decoding one costs up to ~23x its size in memory
// (1,000 witness items per input). Bigger transactions still arrive inside blocks.
inline constexpr uint32_t kMaxTxMessageSize = 400'000;
// BIP155 addrv2: entries of u32 time, CompactSize services, u8 network id, var-bytes address
// (at most 512 bytes), u16 port.
inline constexpr size_t kMaxAddrV2AddressSize = 512;
inline constexpr size_t kAddrV2EntryMinSize = 4 + 1 + 1 + 1 + 2;
inline constexpr uint32_t kMaxAddrV2Size = static_cast<uint32_t>(
    primitives::CompactSizeLength(kMaxAddrEntries) +
    kMaxAddrEntries * (4 + 9 + 1 + 3 + kMaxAddrV2AddressSize + 2));
// Unknown commands are skipped, but their payload still has to be read off the stream.
// Unknown commands: closed at the frame header above Core's 4 MB rule.
inline constexpr uint32_t kMaxUnknownSize = kMaxProtocolMessageLength;

}  // namespace parthenon::p2p::wire

// Anchors: the block-relay-only peers we were connected to at a clean shutdown, saved to
// `<datadir>/anchors.dat` and dialled first at the next start (Bitcoin Core PR 17428), so a
// restart is not a fresh chance for an attacker to take every outbound slot. The file is read
// once and deleted at start-up (a crash before the next clean shutdown then leaves none, as in
// Core: a stale anchor list is never trusted twice).
//
// Layout: u8 version (=1) | u8 count (≤ kMaxAnchors) | count × (16-byte IP, u16 port big
// endian) | 4-byte SHA-256 checksum of everything before it. Pure codec plus two file helpers.
// Thread-compatible.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "p2p/wire/net_address.h"
#include "util/bytes.h"

namespace parthenon::p2p {

inline constexpr size_t kMaxAnchors = 8;  // we write 2 (one per block-relay-only link)

util::Bytes EncodeAnchors(const std::vector<wire::NetAddress>& anchors);
// nullopt on a wrong version, count, checksum, length.
std::optional<std::vector<wire::NetAddress>> DecodeAnchors(util::ByteSpan bytes);

// Writes the list (atomically: a temporary file renamed over the old one); false on I/O error.
[[nodiscard]] bool WriteAnchorsFile(const std::filesystem::path& path,
                                    const std::vector<wire::NetAddress>& anchors);
// Reads and deletes the file; an empty list if it is missing or does not decode.
std::vector<wire::NetAddress> TakeAnchorsFile(const std::filesystem::path& path);

}  // namespace parthenon::p2p

// How a new tip is announced to one peer (BIP130 as Bitcoin Core does it). Sans-I/O: the chain
// and the peer's knowledge are passed in as lookups.
//
// A peer that sent `sendheaders` gets a `headers` message with every block from the first one
// it is not known to have up to the tip, at most kMaxHeadersToAnnounce (8), provided it is known
// to have the parent of the first (or the parent is genesis); otherwise, and for every other
// peer, an `inv` of the tip's hash (the peer then asks with `getheaders`).
// Thread-safe (a pure function).
#pragma once

#include <functional>
#include <optional>

#include "crypto/uint256.h"
#include "p2p/wire/messages.h"

namespace parthenon::p2p {

inline constexpr size_t kMaxHeadersToAnnounce = 8;

struct TipAnnouncementInput {
  crypto::Uint256 tip;
  crypto::Uint256 genesis;
  bool prefers_headers = false;
  // Our header of a block (nullopt if we have none).
  std::function<std::optional<primitives::BlockHeader>(const crypto::Uint256&)> header;
  // The peer has the block (sent it, announced it, or got it from us).
  std::function<bool(const crypto::Uint256&)> peer_knows;
};

// nullopt if the peer is known to have the tip already; else a wire::Headers (oldest first) or a
// wire::Inv. The caller records every announced hash as known to the peer.
std::optional<wire::Message> AnnounceTipTo(const TipAnnouncementInput& input);

}  // namespace parthenon::p2p

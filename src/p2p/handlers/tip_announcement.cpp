#include "p2p/handlers/tip_announcement.h"

#include <algorithm>

namespace parthenon::p2p {

std::optional<wire::Message> AnnounceTipTo(const TipAnnouncementInput& input) {
  if (input.peer_knows(input.tip)) return std::nullopt;
  const wire::Inv inv{{{wire::InvType::kBlock, input.tip}}};
  if (!input.prefers_headers) return inv;
  // Walk back from the tip to a block the peer has; more than 8 headers (or a gap in our
  // header knowledge) means it is too far behind for an announcement: the inv makes it ask.
  std::vector<primitives::BlockHeader> headers;
  crypto::Uint256 hash = input.tip;
  while (hash != input.genesis && !input.peer_knows(hash)) {
    if (headers.size() == kMaxHeadersToAnnounce) return inv;
    auto header = input.header(hash);
    if (!header) return inv;
    hash = header->prev_block;
    headers.push_back(*header);
  }
  std::reverse(headers.begin(), headers.end());
  return wire::Headers{std::move(headers)};
}

}  // namespace parthenon::p2p

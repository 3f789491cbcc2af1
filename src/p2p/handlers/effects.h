// Effects: what a sans-I/O relay/sync component wants done (messages to peers, misbehaviour
// reports), collected while the component's state is locked and carried out afterwards by its
// owner (ChainSync::Impl::Flush). Components never touch a socket or the NetworkManager.
// Thread-compatible value type.
#pragma once

#include <utility>
#include <vector>

#include "p2p/peer.h"
#include "p2p/wire/messages.h"

namespace parthenon::p2p {

struct Effects {
  std::vector<std::pair<PeerId, wire::Message>> sends;
  std::vector<std::pair<PeerId, Misbehavior>> reports;
  void Send(PeerId peer, wire::Message message) { sends.emplace_back(peer, std::move(message)); }
  void Report(PeerId peer, Misbehavior misbehavior) {
    reports.emplace_back(peer, std::move(misbehavior));
  }
};

}  // namespace parthenon::p2p

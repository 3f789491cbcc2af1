#include "p2p/peerdb/peer_db_policy.h"

#include <algorithm>

namespace parthenon::p2p {

PeerDbPolicy::PeerDbPolicy(PeerDatabase& db, const std::vector<std::string>& whitelist) : db_(db) {
  for (const auto& entry : whitelist) {
    if (auto subnet = Subnet::Parse(entry)) whitelist_.push_back(*subnet);
  }
}

bool PeerDbPolicy::Whitelisted(const wire::NetAddress& address) const {
  return std::any_of(whitelist_.begin(), whitelist_.end(),
                     [&](const Subnet& s) { return s.Contains(address); });
}

bool PeerDbPolicy::IsBanned(const wire::NetAddress& address) {
  return !Whitelisted(address) && db_.IsBanned(address);
}

MisbehaviorAction PeerDbPolicy::OnMisbehavior(PeerId, const wire::NetAddress& address,
                                              const Misbehavior&) {
  if (Whitelisted(address)) return MisbehaviorAction::kDisconnect;
  db_.RecordProtocolViolation(db_.Canonical(address));
  return db_.IsBanned(address) ? MisbehaviorAction::kBan : MisbehaviorAction::kDisconnect;
}

}  // namespace parthenon::p2p

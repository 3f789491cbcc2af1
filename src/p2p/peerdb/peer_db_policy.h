// PeerDbPolicy: the PeerPolicy backed by the peer database. Every misbehaviour the networking
// core reports is a protocol violation of the peer's record (-10); the 5th (10th, ...) bans the
// IP for ban_duration and the peer is banned at once (kBan), otherwise disconnected. Admission
// asks PeerDatabase::IsBanned (IPs and subnets, with expiry). Whitelisted IPs are never banned.
//
// Thread-safety: thread-safe (the database is). The database must outlive the policy.
#pragma once

#include <string>
#include <vector>

#include "p2p/peerdb/peer_database.h"
#include "p2p/policy.h"

namespace parthenon::p2p {

class PeerDbPolicy final : public PeerPolicy {
 public:
  // `whitelist`: bare IPs or subnets exempt from scoring and bans (unparsable ones are ignored).
  explicit PeerDbPolicy(PeerDatabase& db, const std::vector<std::string>& whitelist = {});

  bool IsBanned(const wire::NetAddress& address) override;
  MisbehaviorAction OnMisbehavior(PeerId id, const wire::NetAddress& address,
                                  const Misbehavior& misbehavior) override;

 private:
  bool Whitelisted(const wire::NetAddress& address) const;

  // Constant after construction.
  PeerDatabase& db_;
  std::vector<Subnet> whitelist_;
};

}  // namespace parthenon::p2p

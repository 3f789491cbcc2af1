// PeerDbStore: the PeerStore (policy.h) backed by the peer database. A protocol violation is
// the record's violation event (-10; every 5th bans the IP for ban_duration), a wrong-chain
// peer gets a wrong-chain mark (not dialled for wrong_chain_backoff), a stall a small score
// penalty, and setban/unban edit the database's bans.
//
// Thread-safety: thread-safe (the database is). The database must outlive the store.
#pragma once

#include "p2p/peerdb/peer_database.h"
#include "p2p/policy.h"

namespace parthenon::p2p {

class PeerDbStore final : public PeerStore {
 public:
  explicit PeerDbStore(PeerDatabase& db) : db_(db) {}

  bool IsBanned(const wire::NetAddress& address) const override;
  bool RecordViolation(const wire::NetAddress& address, std::string_view why) override;
  void RecordWrongChain(const wire::NetAddress& address) override;
  void RecordStall(const wire::NetAddress& address) override;
  void Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
           std::string_view reason) override;
  bool Unban(const Subnet& subnet) override;

 private:
  PeerDatabase& db_;
};

}  // namespace parthenon::p2p

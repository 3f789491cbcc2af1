#include "p2p/peerdb/peer_db_policy.h"

namespace parthenon::p2p {

bool PeerDbStore::IsBanned(const wire::NetAddress& address) const { return db_.IsBanned(address); }

// `why` is logged by the network manager with the verdict (rate-limited); the database logs the
// ban itself.
bool PeerDbStore::RecordViolation(const wire::NetAddress& address, std::string_view) {
  (void)db_.RecordProtocolViolation(db_.Canonical(address));
  return db_.IsBanned(address);
}

void PeerDbStore::RecordWrongChain(const wire::NetAddress& address) {
  db_.RecordWrongChain(db_.Canonical(address));
}

void PeerDbStore::RecordStall(const wire::NetAddress& address) {
  (void)db_.RecordStall(db_.Canonical(address));
}

void PeerDbStore::Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
                      std::string_view reason) {
  db_.Ban(subnet, duration, std::string(reason));
}

bool PeerDbStore::Unban(const Subnet& subnet) { return db_.Unban(subnet).has_value(); }

}  // namespace parthenon::p2p

#include "p2p/peerdb/peer_db_policy.h"

#include "util/logging.h"

namespace parthenon::p2p {

bool PeerDbStore::IsBanned(const wire::NetAddress& address) const { return db_.IsBanned(address); }

bool PeerDbStore::RecordViolation(const wire::NetAddress& address, std::string_view why) {
  const auto canonical = db_.Canonical(address);
  (void)db_.RecordProtocolViolation(canonical);
  const auto record = db_.GetPeer(canonical);
  util::Log(util::LogCategory::kPeerDb)
      .debug("protocol violation {} by {} ({} so far)", why, address.HostString(),
             record ? record->violations : 0);
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

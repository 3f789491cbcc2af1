#include "p2p/peer.h"

#include <fmt/format.h>

namespace parthenon::p2p {

std::string_view ToString(Direction direction) {
  switch (direction) {
    case Direction::kInbound: return "inbound";
    case Direction::kOutbound: return "outbound";
  }
  return "?";
}

std::string_view ToString(ConnectionType type) {
  switch (type) {
    case ConnectionType::kInbound: return "inbound";
    case ConnectionType::kFullRelay: return "outbound-full-relay";
    case ConnectionType::kBlockRelay: return "block-relay-only";
    case ConnectionType::kFeeler: return "feeler";
    case ConnectionType::kManual: return "manual";
  }
  return "?";
}

std::string_view ToString(PeerState state) {
  switch (state) {
    case PeerState::kConnecting: return "connecting";
    case PeerState::kHandshake: return "handshake";
    case PeerState::kConnected: return "connected";
    case PeerState::kDisconnected: return "disconnected";
    case PeerState::kBanned: return "banned";
  }
  return "?";
}

std::string_view ToString(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kNone: return "none";
    case DisconnectReason::kRequested: return "requested";
    case DisconnectReason::kShutdown: return "shutdown";
    case DisconnectReason::kPeerClosed: return "peer-closed";
    case DisconnectReason::kIoError: return "io-error";
    case DisconnectReason::kConnectFailed: return "connect-failed";
    case DisconnectReason::kHandshakeTimeout: return "handshake-timeout";
    case DisconnectReason::kWrongNetwork: return "wrong-network";
    case DisconnectReason::kObsoleteVersion: return "obsolete-version";
    case DisconnectReason::kSelfConnection: return "self-connection";
    case DisconnectReason::kDuplicate: return "duplicate";
    case DisconnectReason::kInactivity: return "inactivity";
    case DisconnectReason::kPingTimeout: return "ping-timeout";
    case DisconnectReason::kWriteTimeout: return "write-timeout";
    case DisconnectReason::kSendQueueFull: return "send-queue-full";
    case DisconnectReason::kMisbehavior: return "misbehavior";
    case DisconnectReason::kDiscouraged: return "discouraged";
    case DisconnectReason::kWrongChain: return "wrong-chain";
    case DisconnectReason::kBanned: return "banned";
    case DisconnectReason::kTlsRequired: return "tls-required";
    case DisconnectReason::kTlsFailed: return "tls-failed";
    case DisconnectReason::kTlsUpgrade: return "tls-upgrade";
  }
  return "?";
}

std::string_view ToString(MisbehaviorKind kind) {
  switch (kind) {
    case MisbehaviorKind::kWrongNetwork: return "wrong-network";
    case MisbehaviorKind::kBadFrameHeader: return "bad-frame-header";
    case MisbehaviorKind::kBadChecksum: return "bad-checksum";
    case MisbehaviorKind::kMalformedMessage: return "malformed-message";
    case MisbehaviorKind::kOversizedMessage: return "oversized-message";
    case MisbehaviorKind::kUnexpectedMessage: return "unexpected-message";
    case MisbehaviorKind::kDuplicateVersion: return "duplicate-version";
    case MisbehaviorKind::kRateLimited: return "rate-limited";
    case MisbehaviorKind::kInvalidBlock: return "invalid-block";
    case MisbehaviorKind::kInvalidHeaders: return "invalid-headers";
    case MisbehaviorKind::kInvalidTransaction: return "invalid-transaction";
    case MisbehaviorKind::kUnconnectingHeaders: return "unconnecting-headers";
    case MisbehaviorKind::kWrongChain: return "wrong-chain";
    case MisbehaviorKind::kLowWorkData: return "low-work-data";
    case MisbehaviorKind::kUnresponsive: return "unresponsive";
  }
  return "?";
}

std::string Misbehavior::Describe() const {
  std::string text(ToString(kind));
  if (wire_error) text += fmt::format(": {}", wire::ToString(*wire_error));
  if (!command.empty()) text += fmt::format(" ({})", command);
  if (!detail.empty()) text += fmt::format(": {}", detail);
  return text;
}

}  // namespace parthenon::p2p

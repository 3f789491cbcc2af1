// Plain value types describing peers, shared by the network manager's API and its internals.
// Thread-compatible value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "p2p/wire/error.h"
#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

// Unique within one NetworkManager for its lifetime; never reused.
using PeerId = uint64_t;

enum class Direction { kInbound, kOutbound };
std::string_view ToString(Direction direction);

// Why a connection exists (Bitcoin Core's ConnectionType). Outbound links chosen by the peer
// database are full-relay or block-relay-only (eclipse resistance: blocks and headers only, no
// transaction or address relay either way, so they are invisible to transaction-graph and
// addr-based topology inference); feelers only handshake, to test an address, then close.
enum class ConnectionType {
  kInbound,
  kFullRelay,   // outbound from the address manager: everything relayed
  kBlockRelay,  // outbound block-relay-only (VERSION relay=false; no tx, no addr)
  kFeeler,      // outbound, closed right after the handshake
  kManual,      // --addnode / --connect / addnode RPC
};
std::string_view ToString(ConnectionType type);

// Life of one connection.
//
//   (dial or accept)
//        |
//        v          TCP up             VERSION+VERACK both ways
//   kConnecting ------------> kHandshake -----------------------> kConnected
//        |                        |                                    |
//        | connect fails          | timeout, bad version, self,        | EOF, error, timeout,
//        |                        | duplicate, misbehaviour            | misbehaviour, Disconnect
//        v                        v                                    v
//   kDisconnected <---------------+------------------------------------+
//        ^
//        |  the policy said "ban" (or the address is banned at admission)
//   kBanned (terminal like kDisconnected, but the reason is a ban)
//
// Inbound connections start in kHandshake (the TCP connection already exists).
enum class PeerState { kConnecting, kHandshake, kConnected, kDisconnected, kBanned };
std::string_view ToString(PeerState state);

// Why a connection ended.
enum class DisconnectReason {
  kNone,              // still open
  kRequested,         // DisconnectPeer()
  kShutdown,          // Stop()
  kPeerClosed,        // EOF from the peer
  kIoError,           // socket error (reset, ...)
  kConnectFailed,     // outbound TCP connect failed or timed out
  kHandshakeTimeout,  // no VERSION+VERACK within the handshake timeout
  kWrongNetwork,      // frame with another network's magic
  kObsoleteVersion,   // VERSION below the minimum protocol version
  kSelfConnection,    // VERSION carries one of our own nonces
  kDuplicate,         // already connected to this peer
  kInactivity,        // nothing received within the inactivity timeout
  kPingTimeout,       // a ping went unanswered
  kWriteTimeout,      // a write stalled (the peer stopped reading)
  kSendQueueFull,     // the send queue reached its cap
  kMisbehavior,       // the policy disconnected the peer for misbehaviour
  kDiscouraged,       // the policy disconnected the peer and charged it a protocol violation
  kWrongChain,        // the peer follows another chain (headers never connect to our genesis)
  kBanned,            // the policy banned the peer
  kTlsRequired,       // plaintext peer while --tls=required
  kTlsFailed,         // TLS handshake, certificate verification or pin check failed
  kTlsUpgrade,        // outbound plaintext peer advertises NODE_TLS: redialled over TLS
};
std::string_view ToString(DisconnectReason reason);

// What a peer did wrong (or oddly). Produced by the session and the message handlers, judged in
// one place: PeerPolicy (policy.h), whose table gives each kind its weight and verdict.
enum class MisbehaviorKind {
  // Found by the session (framing and handshake):
  kWrongNetwork,       // a frame with another network's magic, or a BIP324 v2 handshake
  kBadFrameHeader,     // a command field that is not ASCII, or a length above the command's cap
  kBadChecksum,        // SHA256d(payload) differs from the header: the frame is dropped
  kMalformedMessage,   // a known command whose payload does not parse: the message is dropped
  kOversizedMessage,   // an entry count above its protocol cap (addr, inv, getdata, headers)
  kUnexpectedMessage,  // anything but VERSION before VERSION, ... (ignored, as Core does)
  kDuplicateVersion,   // VERSION or VERACK again
  kRateLimited,        // unsolicited traffic above the receive budget for a sustained time
  // Reported by the relay/sync handlers through NetworkManager::ReportMisbehavior:
  kInvalidBlock,         // a block that breaks a consensus rule
  kInvalidHeaders,       // headers that break a consensus rule (PoW, continuity, ...)
  kInvalidTransaction,   // a transaction that breaks a consensus rule (not mere policy)
  kUnconnectingHeaders,  // more non-connecting header announcements than tolerated
  kWrongChain,           // its headers never connect to our genesis: another chain
  kLowWorkData,          // unrequested blocks/headers of a chain with too little work
  kUnresponsive,         // asked for data and did not deliver it in time
};
std::string_view ToString(MisbehaviorKind kind);

struct Misbehavior {
  MisbehaviorKind kind = MisbehaviorKind::kMalformedMessage;
  std::optional<wire::Error> wire_error;  // for the framing and payload kinds
  std::string command;                    // the offending command, when known
  std::string detail;  // free text from the reporter (e.g. the consensus rule broken)
  // "bad-checksum", "unexpected verack before version", ...
  std::string Describe() const;
};

struct CommandStats {
  uint64_t messages = 0;
  uint64_t bytes = 0;  // including the 24-byte frame header
  bool operator==(const CommandStats&) const = default;
};

// A snapshot of one peer (GetPeers, callbacks).
struct PeerInfo {
  PeerId id = 0;
  wire::NetAddress address;  // remote IP and port
  Direction direction = Direction::kInbound;
  PeerState state = PeerState::kConnecting;
  // From the peer's VERSION (zero/empty before it arrives).
  int32_t version = 0;
  uint64_t services = 0;
  std::string user_agent;
  int32_t start_height = 0;
  // Last measured ping round trip, nullopt before the first pong.
  std::optional<std::chrono::microseconds> ping;
  std::optional<std::chrono::microseconds> min_ping;
  // Totals and per command (command name → stats); unknown commands are counted under their name
  // only in the totals and under "*other*" per command.
  uint64_t bytes_sent = 0;
  uint64_t bytes_sent_by_sendfile = 0;  // of bytes_sent: stored payloads the kernel copied from files
  uint64_t bytes_received = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  std::map<std::string, CommandStats, std::less<>> sent_per_command;
  std::map<std::string, CommandStats, std::less<>> received_per_command;
  std::chrono::system_clock::time_point connected_since{};
  // Wall-clock time of the last message read from / write to the peer (epoch: none yet).
  std::chrono::system_clock::time_point last_receive{};
  std::chrono::system_clock::time_point last_send{};
  // Set once the connection has ended.
  DisconnectReason disconnect_reason = DisconnectReason::kNone;
  std::string disconnect_detail;
  // Transport (set once the TLS handshake is done; empty/false on plaintext links).
  bool encrypted = false;
  std::string tls_version;           // "TLSv1.3"
  std::string tls_cipher;            // "TLS_AES_256_GCM_SHA384"
  std::string peer_key_fingerprint;  // SHA-256 of the peer's public key (SPKI), hex
  // How we got the link and what the peer asked for in its handshake.
  bool manual = false;      // dialled for --addnode/--connect/addnode RPC
  ConnectionType connection_type = ConnectionType::kInbound;
  bool relay_txs = true;    // VERSION relay flag (BIP37): false = no transaction inv
  bool wtxid_relay = false;  // both sides sent `wtxidrelay` (BIP339)
  bool addrv2 = false;       // the peer sent `sendaddrv2` (BIP155)
};

}  // namespace parthenon::p2p

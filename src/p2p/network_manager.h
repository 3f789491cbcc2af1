// NetworkManager: the P2P connection layer of a node (DESIGN.md §6, §7). It listens (IPv4 and
// IPv6), dials --addnode/--connect targets with retry and backoff, runs one session per peer
// (reader, writer and pinger coroutines on the peer's strand), performs the VERSION/VERACK
// handshake, keeps links alive with pings, enforces connection limits, send-queue caps and
// receive rate limits, and hands blocks, transactions and every other message to the embedder
// through callbacks. It never validates anything: the embedder does.
//
// Thread-safety: thread-safe after Start(). The Set* callback setters and the constructor's
// options must be fixed before Start() (they are read without locks afterwards). Callbacks run on
// the I/O threads, on the strand of the peer concerned (so callbacks of one peer never run
// concurrently); they must not block, and may call any method except Stop().
//
// The header is free of Asio: the implementation lives behind a pointer.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2p/peer.h"
#include "p2p/policy.h"
#include "p2p/timeouts.h"
#include "p2p/transport/send_queue.h"
#include "p2p/transport/tls_options.h"
#include "p2p/transport/zero_copy.h"
#include "p2p/wire/messages.h"
#include "p2p/wire/protocol.h"
#include "primitives/block.h"
#include "primitives/transaction.h"
#include "util/clock.h"

namespace parthenon::p2p {

enum class NetError {
  kAlreadyStarted,
  kNotRunning,
  kBindFailed,       // no listen address could be bound
  kBadAddress,       // a bind/whitelist address that does not parse
  kDuplicate,        // AddPeer: this target is already connected or being dialed
  kOutboundLimit,    // AddPeer: as many outbound targets as max_outbound
  kBanned,           // AddPeer: the policy bans this address
  kUnknownPeer,      // no connected peer with that id
  kNotConnected,     // the peer has not finished its handshake
  kSendQueueFull,    // Send: the peer's queue is at its cap (the peer is being disconnected)
  kTlsConfig,        // Start: TLS is on but the certificate, key, CA or a pin does not load
};
std::string_view ToString(NetError error);

template <class T>
using NetResult = std::expected<T, NetError>;

// AddPeer: keep the target connected (redial with backoff), or try it once (addnode onetry).
enum class AddMode { kKeep, kOnce };

class NetworkManager {
 public:
  struct Options {
    wire::Magic magic = wire::kMainMagic;
    // Listening. listen=false: outbound only.
    bool listen = true;
    uint16_t port = 8333;                       // 0: any free port (see ListenPorts())
    std::vector<std::string> bind_addresses = {"0.0.0.0", "::"};
    // Source address of outbound connections (e.g. "127.0.0.2" in multi-node tests); empty: any.
    std::string outbound_bind_address;
    // Peers to keep connected to (retried with backoff for as long as the manager runs).
    std::vector<std::string> add_nodes;  // "host:port" or "host" (default port of `port`)

    // Limits.
    size_t max_connections = kMaxConnections;
    size_t max_outbound = kMaxOutbound;
    size_t max_inbound = kMaxInbound;
    size_t max_inbound_per_ip = kMaxInboundPerIp;
    // Loopback addresses are exempt from the per-IP limit unless this is false (tests turn it
    // off; a node behind a local proxy needs it on). Whitelisted IPs are always exempt.
    bool exempt_loopback_from_ip_limit = true;
    std::vector<std::string> whitelist;  // bare IPs

    // Timeouts (timeouts.h has the defaults and their meaning).
    std::chrono::milliseconds handshake_timeout = kHandshakeTimeout;
    std::chrono::milliseconds ping_interval = kPingInterval;
    std::chrono::milliseconds ping_timeout = kPingTimeout;
    std::chrono::milliseconds inactivity_timeout = kInactivityTimeout;
    std::chrono::milliseconds write_timeout = kWriteTimeout;
    std::chrono::milliseconds connect_timeout = kConnectTimeout;
    std::chrono::milliseconds retry_initial_delay = kRetryInitialDelay;
    std::chrono::milliseconds retry_max_delay = kRetryMaxDelay;
    // A manual target found on another chain is redialled only after this long.
    std::chrono::milliseconds wrong_chain_retry_delay = kWrongChainRetryDelay;
    std::chrono::milliseconds shutdown_grace = kShutdownGrace;

    // Per-peer send queue cap.
    size_t max_send_queue_bytes = kMaxSendQueueBytes;
    size_t max_send_queue_messages = kMaxSendQueueMessages;
    // Per-peer receive budget.
    double max_messages_per_second = kMaxMessagesPerSecond;
    double message_burst = kMessageBurst;
    double max_bytes_per_second = kMaxBytesPerSecond;
    double byte_burst = kByteBurst;
    std::chrono::milliseconds rate_abuse_window = kRateAbuseWindow;
    double rate_abuse_fraction = kRateAbuseFraction;
    // Partial messages (timeouts.h).
    std::chrono::milliseconds partial_payload_timeout = kPartialPayloadTimeout;
    double min_payload_bytes_per_second = kMinPayloadBytesPerSecond;
    size_t max_buffered_payload_bytes = kMaxBufferedPayloadBytes;
    // Reading a peer's requests pauses while our queue to it holds more than this.
    size_t pause_reading_send_bytes = kPauseReadingSendBytes;

    // What we say in VERSION.
    std::string user_agent = "/Parthenon:0.1.0/";
    uint64_t services = wire::kNodeNetwork | wire::kNodeWitness;
    int32_t min_peer_version = wire::kMinPeerProtocolVersion;
    std::function<int32_t()> start_height;  // empty: 0

    // I/O threads running the io_context.
    size_t io_threads = 2;
    // Wall clock for VERSION timestamps and connected_since. Timers and rates use the monotonic
    // steady clock, scaled by the durations above. Must outlive the manager.
    const util::Clock* clock = &util::RealClock();
    // Judges misbehaviour and admission (policy.h); nullptr: a PeerPolicy without a store (it
    // disconnects, never bans). Must outlive the manager.
    PeerPolicy* policy = nullptr;

    // Stored blocks (SendStoredPayload) go from their file to the socket by sendfile(2) on
    // plaintext links when the kernel offers it; false: they are read into memory and written
    // like any other frame (the copy path, for comparison and as a fallback).
    bool zero_copy_send = true;

    // TLS transport (docs/tls.md). mode != off adds NODE_TLS to `services`.
    transport::TlsOptions tls;
    // Sees every byte read from each peer's socket, as on the wire (ciphertext on TLS links);
    // runs on the peer's strand and must not block. Empty: none.
    std::function<void(PeerId, std::span<const std::byte>)> wire_observer;
    // ---- Peer-database hooks (empty: off). Called from I/O threads without the manager's
    // locks held; they must be thread-safe, must not block and must not call Stop(). ----
    // Automatic outbound connections: while fewer than max_outbound outbound sessions exist, the
    // manager asks for the next address (giving the current outbound addresses) and dials it
    // once, without retry; asked again at once after a pick, else every outbound_poll_interval.
    using AddressSource = std::function<std::optional<wire::NetAddress>(
        const std::vector<wire::NetAddress>& current_outbound)>;
    AddressSource address_source;
    std::chrono::milliseconds outbound_poll_interval{500};
    // Inbound eviction: when an inbound connection arrives at the inbound or total limit, the
    // manager offers the open inbound peers; the returned peer is disconnected (reason kRequested,
    // detail "evicted") and the newcomer admitted. nullopt: the newcomer is refused.
    using InboundEviction = std::function<std::optional<PeerId>(const std::vector<PeerInfo>& inbound)>;
    InboundEviction inbound_eviction;
    // Eclipse resistance (docs/peer-database.md). Once the max_outbound full-relay links are up,
    // address_source also fills this many outbound block-relay-only links (ConnectionType).
    size_t max_block_relay = kMaxBlockRelayOnly;
    // Anchors (anchors.h): Stop() writes the block-relay-only peers here; Start() reads and
    // deletes the file and dials its addresses first, as block-relay-only. Empty: none.
    std::filesystem::path anchors_file;
    // Feelers: while all outbound slots are full, every feeler_interval on average (exponential
    // gaps), the manager asks for an address to test, dials it, completes the handshake (so the
    // on_connected observers see it) and disconnects (kRequested, "feeler"). Empty: none.
    AddressSource feeler_source;
    std::chrono::milliseconds feeler_interval = kFeelerInterval;
  };

  struct Stats {
    size_t inbound = 0;   // sessions, any state before disconnection
    size_t outbound = 0;
    uint64_t accepted = 0;          // inbound TCP connections accepted
    uint64_t refused_inbound = 0;   // closed at once: limits or bans
    // Traffic of the sessions that have ended, per command (add the live peers' PeerInfo maps
    // for totals that never go down).
    std::map<std::string, CommandStats, std::less<>> sent_by_closed;
    std::map<std::string, CommandStats, std::less<>> received_by_closed;
  };

  // Seed document API: listen on `port` (all interfaces) for the network with `magic`.
  NetworkManager(uint16_t port, const wire::Magic& magic);
  explicit NetworkManager(Options options);
  ~NetworkManager();  // Stop()s
  NetworkManager(const NetworkManager&) = delete;
  NetworkManager& operator=(const NetworkManager&) = delete;

  // Binds the listeners, starts the I/O threads, the accept loops and the add_nodes dialers.
  [[nodiscard]] NetResult<void> Start();
  // Closes listeners and every session (each gets shutdown_grace to finish), joins the I/O
  // threads. OnPeerDisconnected fires for every session. Idempotent. REQUIRES: not called from
  // a callback.
  void Stop();

  // The bound listening ports, in bind_addresses order (valid after Start()).
  std::vector<uint16_t> ListenPorts() const;

  // Keeps an outbound connection to host:port (a name is resolved), reconnecting with backoff;
  // kOnce: one attempt, no retry. Manual peers are never discouraged or banned (policy.h).
  [[nodiscard]] NetResult<void> AddPeer(const std::string& host, uint16_t port,
                                        AddMode mode = AddMode::kKeep);
  // Stops retrying host:port (an open connection to it stays until disconnected).
  void RemovePeer(const std::string& host, uint16_t port);
  // Closes the connection (reason kRequested). An add-node target is dialled again later.
  [[nodiscard]] NetResult<void> DisconnectPeer(PeerId id);
  // Sends a ping to every connected peer now (unless one is outstanding), so getpeerinfo's
  // ping times are fresh; returns how many peers were asked.
  size_t PingAll();
  // Hands misbehaviour found by a message handler (relay, sync) to the policy, the one place
  // where it is judged, and carries out its verdict (ignore, disconnect, discourage, ban).
  // Returns the judgement; kUnknownPeer if the peer is gone.
  NetResult<Judgement> ReportMisbehavior(PeerId id, const Misbehavior& misbehavior);
  // setban: bans an IP or subnet ("1.2.3.4", "10.0.0.0/8") through the policy's store and
  // closes every open link it now refuses; returns how many. kBadAddress for bad text,
  // kNotRunning without a store.
  [[nodiscard]] NetResult<size_t> Ban(std::string_view subnet,
                                      std::optional<std::chrono::seconds> duration = std::nullopt);
  // kBadAddress for bad text, kUnknownPeer if there was no such ban.
  [[nodiscard]] NetResult<void> Unban(std::string_view subnet);

  std::vector<PeerInfo> GetPeers() const;
  std::optional<PeerInfo> GetPeer(PeerId id) const;
  Stats GetStats() const;

  // Sends to one connected peer.
  [[nodiscard]] NetResult<void> Send(PeerId id, const wire::Message& message);
  // Sends a complete frame (header and payload) built elsewhere, e.g. from a stored block record.
  // REQUIRES: `frame` is a valid frame of `command` for this network.
  [[nodiscard]] NetResult<void> SendFrame(PeerId id, wire::Command command, util::Bytes frame);
  // Sends a frame whose payload lives in a file (a stored block, checked before this call): the
  // header from memory, then the payload straight from the file (sendfile(2) on plaintext
  // links, one read into the TLS write otherwise). It is one entry of the peer's send queue, so
  // it goes out in order with every other frame queued for the peer, and counts against the
  // queue's caps with its full size.
  // REQUIRES: `header` is the frame header of `command` for `payload`'s bytes (length, checksum).
  [[nodiscard]] NetResult<void> SendStoredPayload(
      PeerId id, wire::Command command, const std::array<std::byte, wire::kFrameHeaderSize>& header,
      transport::FileSegment payload);
  // What the kernel offers for zero-copy sends (getnetworkinfo, start-up log), and whether stored
  // payloads are sent by sendfile here.
  transport::ZeroCopyCapabilities GetZeroCopy() const;
  bool ZeroCopySend() const;
  // Bytes waiting in the peer's send queue (nullopt if the peer is gone).
  std::optional<size_t> SendQueueBytes(PeerId id) const;
  // Bytes waiting in all send queues together (the getdata server's global budget).
  size_t TotalSendQueueBytes() const;
  // Sends to every CONNECTED peer except `except`; returns how many peers it was queued for.
  // The frame is encoded once and shared by every queue.
  size_t Broadcast(const wire::Message& message, std::optional<PeerId> except = std::nullopt);
  size_t BroadcastBlock(const primitives::Block& block);
  size_t BroadcastTransaction(const primitives::Transaction& tx);

  // Our TLS mode and certificate (gettlsinfo).
  transport::TlsStatus GetTlsStatus() const;
  // Checks the certificate files now instead of at the next rotation interval (e.g. after
  // regenerating them); true if a new certificate was loaded. kTlsConfig if TLS is off.
  [[nodiscard]] NetResult<bool> ReloadTlsCertificate();

  using PeerCallback = std::function<void(const PeerInfo&)>;
  // Blocks and transactions are handed over (moved): a callback may keep them without a copy. A
  // callback taking `const primitives::Block&` works as well.
  using BlockCallback = std::function<void(PeerId, primitives::Block&&)>;
  using TransactionCallback = std::function<void(PeerId, primitives::Transaction&&)>;
  using MessageCallback = std::function<void(PeerId, const wire::Message&)>;
  // REQUIRES: before Start().
  void SetOnBlock(BlockCallback callback);
  void SetOnTransaction(TransactionCallback callback);
  // Every message after the handshake other than ping/pong/version/verack/block/tx.
  void SetOnMessage(MessageCallback callback);
  // Fires when a peer reaches kConnected.
  void SetOnPeerConnected(PeerCallback callback);
  // Fires when a session ends (after the handshake or not); info has disconnect_reason and
  // disconnect_detail set.
  void SetOnPeerDisconnected(PeerCallback callback);

  // Further listeners of peer events, called after the Set* callbacks, in the order added
  // (e.g. the peer database's discovery beside relay/sync). Same threads and rules as those.
  // REQUIRES: before Start().
  struct PeerObserver {
    PeerCallback on_connected;
    PeerCallback on_disconnected;
    MessageCallback on_message;
    // The peer's send queue became empty after a write (serve more of what it asked for).
    std::function<void(PeerId)> on_send_drained;
  };
  void AddObserver(PeerObserver observer);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parthenon::p2p

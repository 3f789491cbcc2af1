// Internal: NetworkManager::Impl, the per-peer handle it shares with a session, and the
// session entry point. Included only by network_manager.cpp and session.cpp.
//
// Lock order: Impl::mutex_ before PeerHandle::mutex. Callbacks and the policy are never called
// with either held.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "p2p/detail/asio.h"
#include "p2p/network_manager.h"
#include "p2p/transport/send_queue.h"
#include "p2p/transport/tls_options.h"
#include "p2p/wire/commands.h"
#include "util/logging.h"
#include "util/mutex.h"

namespace parthenon::p2p::transport {
class CertificateRotation;
class TlsContext;
}  // namespace parthenon::p2p::transport

namespace parthenon::p2p::detail {

// What ended a session.
struct Ending {
  DisconnectReason reason = DisconnectReason::kNone;
  std::string detail;
};

// The manager's side of one peer: the bounded send queue, the close request and the statistics.
// The session owns the socket, the buffers and the protocol state; nobody else holds them.
// Thread-safety: members under `mutex` are thread-safe; the timers are confined to `strand`
// (other threads reach them through asio::post(strand, ...)).
struct PeerHandle {
  PeerHandle(PeerId id_in, Direction direction_in, const wire::NetAddress& address_in,
             Strand strand_in, size_t max_queue_bytes, size_t max_queue_messages,
             bool manual_in = false, ConnectionType type_in = ConnectionType::kFullRelay)
      : id(id_in),
        direction(direction_in),
        address(address_in),
        manual(manual_in),
        connection_type(direction_in == Direction::kInbound ? ConnectionType::kInbound
                        : manual_in                         ? ConnectionType::kManual
                                                            : type_in),
        strand(std::move(strand_in)),
        writer_wake(strand),
        watchdog_wake(strand),
        reader_wake(strand),
        queue(max_queue_bytes, max_queue_messages) {
    info.id = id;
    info.address = address;
    info.direction = direction;
    info.manual = manual;
    info.connection_type = connection_type;
  }

  PeerInfo Snapshot() const EXCLUDES(mutex);

  // Constant after construction.
  const PeerId id;
  const Direction direction;
  const wire::NetAddress address;
  const bool manual;  // an --addnode/--connect/addnode RPC target: never discouraged or banned
  const ConnectionType connection_type;
  const Strand strand;

  // Confined to `strand`. Cancelling one wakes its waiter (the writer: "queue not empty"; the
  // watchdog: "look at close_request / deadlines changed"; the reader: "the send queue drained
  // below its low-water mark", see Session::WaitForSendRoom).
  asio::steady_timer writer_wake;
  asio::steady_timer watchdog_wake;
  asio::steady_timer reader_wake;

  mutable util::Mutex mutex;
  transport::SendQueue queue GUARDED_BY(mutex);
  std::optional<Ending> close_request GUARDED_BY(mutex);
  bool ping_requested GUARDED_BY(mutex) = false;  // PingAll(): ping at the next watchdog turn
  PeerInfo info GUARDED_BY(mutex);  // per-command maps are built from the arrays by Snapshot()
  std::array<CommandStats, wire::kCommandCount + 1> sent GUARDED_BY(mutex){};
  std::array<CommandStats, wire::kCommandCount + 1> received GUARDED_BY(mutex){};
  std::optional<uint64_t> remote_nonce GUARDED_BY(mutex);
  // Responses we asked for and not yet received: `block`/`tx` per getdata entry, `headers` per
  // getheaders. Solicited messages are not charged against the receive rate limit.
  uint64_t solicited_items GUARDED_BY(mutex) = 0;
  uint64_t solicited_headers GUARDED_BY(mutex) = 0;
};

// An --addnode/--connect target, redialled by its own coroutine (or dialled once: onetry).
struct DialTarget {
  DialTarget(std::string host_in, uint16_t port_in, Strand strand_in, bool once_in = false)
      : host(std::move(host_in)), port(port_in), once(once_in), strand(std::move(strand_in)),
        backoff(strand) {}
  const std::string host;
  const uint16_t port;
  const bool once;
  const Strand strand;
  asio::steady_timer backoff;  // confined to strand
};

}  // namespace parthenon::p2p::detail

namespace parthenon::p2p {

// Thread-safe (see NetworkManager).
class NetworkManager::Impl {
 public:
  explicit Impl(Options options);
  ~Impl();

  NetResult<void> Start() EXCLUDES(mutex_);
  void Stop() EXCLUDES(mutex_);
  std::vector<uint16_t> ListenPorts() const EXCLUDES(mutex_);
  NetResult<void> AddPeer(const std::string& host, uint16_t port, AddMode mode) EXCLUDES(mutex_);
  void RemovePeer(const std::string& host, uint16_t port) EXCLUDES(mutex_);
  size_t PingAll() EXCLUDES(mutex_);
  NetResult<void> DisconnectPeer(PeerId id) EXCLUDES(mutex_);
  NetResult<Judgement> ReportMisbehavior(PeerId id, const Misbehavior& misbehavior)
      EXCLUDES(mutex_);
  NetResult<size_t> Ban(std::string_view subnet, std::optional<std::chrono::seconds> duration)
      EXCLUDES(mutex_);
  NetResult<void> Unban(std::string_view subnet);
  std::vector<PeerInfo> GetPeers() const EXCLUDES(mutex_);
  std::optional<PeerInfo> GetPeer(PeerId id) const EXCLUDES(mutex_);
  Stats GetStats() const EXCLUDES(mutex_);
  NetResult<void> Send(PeerId id, const wire::Message& message) EXCLUDES(mutex_);
  NetResult<void> SendFrame(PeerId id, transport::OutFrame frame) EXCLUDES(mutex_);
  std::optional<size_t> SendQueueBytes(PeerId id) const EXCLUDES(mutex_);
  size_t Broadcast(const wire::Message& message, std::optional<PeerId> except) EXCLUDES(mutex_);

  // ---- Used by sessions (any thread unless stated). ----
  const Options& options() const { return options_; }
  // Queues a frame; false if the peer is closing or its queue is full (then it is closed with
  // kSendQueueFull). `on_strand`: the caller runs on h's strand (wakes the writer directly).
  bool Enqueue(const std::shared_ptr<detail::PeerHandle>& h, transport::OutFrame frame,
               bool on_strand) EXCLUDES(h->mutex);
  void RequestClose(const std::shared_ptr<detail::PeerHandle>& h, detail::Ending ending)
      EXCLUDES(h->mutex);
  // The single decision point for misbehaviour (asks the policy, logs the verdict).
  Judgement Judge(detail::PeerHandle& h, const Misbehavior& misbehavior);
  // The handle of a live session, or nullptr.
  std::shared_ptr<detail::PeerHandle> Find(PeerId id) const EXCLUDES(mutex_);
  // The single admission check: true if connections with `address` are refused (banned).
  bool Refuses(const wire::NetAddress& address) const;
  // Counts the responses `message` asks h for (see PeerHandle::solicited_items).
  static void NoteRequest(detail::PeerHandle& h, const wire::Message& message) EXCLUDES(h.mutex);
  uint64_t RandomNonce() EXCLUDES(mutex_);
  // Payload bytes all sessions hold for partial messages (Options::max_buffered_payload_bytes).
  std::atomic<int64_t> buffered_payload_bytes{0};
  // Bytes in every peer's send queue together (NetworkManager::TotalSendQueueBytes).
  std::atomic<int64_t> queued_send_bytes{0};
  // Our outbound VERSION nonces: an inbound VERSION carrying one is a self-connection.
  void RememberLocalNonce(uint64_t nonce) EXCLUDES(mutex_);
  void ForgetLocalNonce(uint64_t nonce) EXCLUDES(mutex_);
  bool IsLocalNonce(uint64_t nonce) const EXCLUDES(mutex_);
  // Records h's remote VERSION nonce; false if another live peer already sent it (duplicate).
  bool RegisterRemoteNonce(detail::PeerHandle& h, uint64_t nonce) EXCLUDES(mutex_);
  void OnHandshakeComplete(detail::PeerHandle& h) EXCLUDES(mutex_);
  void OnSessionEnded(detail::PeerHandle& h, const detail::Ending& ending) EXCLUDES(mutex_);
  // The TLS context for new sessions (nullptr when TLS is off). Sessions keep the one they got.
  std::shared_ptr<transport::TlsContext> CurrentTls() const EXCLUDES(mutex_);
  // Addresses that advertised NODE_TLS: outbound links to them use TLS (mode optional).
  void RememberTlsPeer(const wire::NetAddress& address) EXCLUDES(mutex_);
  bool KnowsTlsPeer(const wire::NetAddress& address) const EXCLUDES(mutex_);
  transport::TlsStatus GetTlsStatus() const EXCLUDES(mutex_);
  // Stored payloads go by sendfile(2) on plaintext links (Options::zero_copy_send and the kernel).
  bool ZeroCopySend() const;
  NetResult<bool> ReloadTlsCertificate();
  // Debug line about a peer, rate-limited.
  template <class... Args>
  void PeerDebug(PeerId id, fmt::format_string<Args...> format, Args&&... args) {
    auto& log = util::Log(util::LogCategory::kNet);
    if (!log.should_log(spdlog::level::debug) || !log_limiter_.Allow()) return;
    log.debug("peer={} {}", id, fmt::format(format, std::forward<Args>(args)...));
  }

  // Connection lifecycle lines (info level): a peer can open and close connections in a loop, so
  // these are rate-limited as well, and say how many similar lines were dropped.
  template <class... Args>
  void LifecycleInfo(fmt::format_string<Args...> format, Args&&... args) {
    auto& log = util::Log(util::LogCategory::kNet);
    if (!log.should_log(spdlog::level::info)) return;
    const auto suppressed = lifecycle_log_limiter_.Allow();
    if (!suppressed) return;
    const std::string line = fmt::format(format, std::forward<Args>(args)...);
    if (*suppressed == 0) {
      log.info("{}", line);
    } else {
      log.info("{} ({} similar lines suppressed)", line, *suppressed);
    }
  }

  // Callbacks: set before Start(), constant afterwards.
  BlockCallback on_block;
  TransactionCallback on_transaction;
  MessageCallback on_message;
  PeerCallback on_connected;
  PeerCallback on_disconnected;
  std::vector<NetworkManager::PeerObserver> observers;

 private:
  asio::awaitable<void> AcceptLoop(detail::tcp::acceptor& acceptor);
  asio::awaitable<void> DialLoop(std::shared_ptr<detail::DialTarget> target);
  void Admit(detail::tcp::socket socket, detail::Strand strand) EXCLUDES(mutex_);
  bool ExemptFromIpLimit(const wire::NetAddress& address) const;
  void SpawnDialer(std::shared_ptr<detail::DialTarget> target) REQUIRES(mutex_);
  NetResult<void> StartTls() EXCLUDES(mutex_);
  bool ConnectedTo(const wire::NetAddress& address) const REQUIRES(mutex_);
  // Peer-database hooks (Options::address_source, Options::inbound_eviction).
  asio::awaitable<void> OutboundLoop();
  // The next automatic dial (anchor, full-relay, block-relay-only or feeler), or nullopt.
  // Runs on the outbound strand.
  std::optional<std::pair<wire::NetAddress, ConnectionType>> NextDial() EXCLUDES(mutex_);
  void DialOnce(const wire::NetAddress& address, ConnectionType type) EXCLUDES(mutex_);
  // Stop(): the connected block-relay-only peers to Options::anchors_file.
  void SaveAnchors() EXCLUDES(mutex_);
  bool EvictInbound() EXCLUDES(mutex_);

  // Constant after construction.
  const Options options_;
  PeerPolicy default_policy_;
  PeerPolicy* const policy_;
  std::vector<wire::NetAddress> whitelist_;
  bool bad_whitelist_ = false;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;                       // Start/Stop only
  std::vector<std::unique_ptr<detail::tcp::acceptor>> acceptors_;  // Start/Stop; then strand
  std::vector<uint16_t> listen_ports_;                     // constant after Start
  std::optional<asio::steady_timer> outbound_timer_;       // Start/Stop; then its strand
  // Confined to the outbound strand (after Start): anchors still to dial, next feeler time.
  std::vector<wire::NetAddress> anchors_;
  std::chrono::steady_clock::time_point next_feeler_{};
  std::mt19937_64 feeler_rng_{std::random_device{}()};
  util::LogRateLimiter log_limiter_{20, 100};
  util::LogRateLimiter lifecycle_log_limiter_{20, 200};
  // "accept failed" (out of descriptors) repeats every 100 ms while the condition lasts.
  util::LogRateLimiter accept_error_log_limiter_{0.2, 3};

  mutable util::Mutex mutex_;
  util::CondVar idle_;  // signalled when a session or dialer ends
  bool running_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  PeerId next_id_ GUARDED_BY(mutex_) = 1;
  std::map<PeerId, std::shared_ptr<detail::PeerHandle>> peers_ GUARDED_BY(mutex_);
  std::map<std::string, std::shared_ptr<detail::DialTarget>> targets_ GUARDED_BY(mutex_);
  size_t dialers_ GUARDED_BY(mutex_) = 0;
  size_t acceptors_running_ GUARDED_BY(mutex_) = 0;
  std::multiset<uint64_t> local_nonces_ GUARDED_BY(mutex_);
  std::mt19937_64 rng_ GUARDED_BY(mutex_);
  Stats stats_ GUARDED_BY(mutex_);
  std::array<CommandStats, wire::kCommandCount + 1> closed_sent_ GUARDED_BY(mutex_){};
  std::array<CommandStats, wire::kCommandCount + 1> closed_received_ GUARDED_BY(mutex_){};
  // TLS: the context swapped by rotation (thread-safe itself, started/stopped with the manager).
  std::shared_ptr<transport::TlsContext> tls_ GUARDED_BY(mutex_);
  std::set<std::string> tls_peers_ GUARDED_BY(mutex_);
  std::unique_ptr<transport::CertificateRotation> rotation_;
};

namespace detail {
// Runs one peer's session to its end: (outbound: connect to `dial`,) handshake, then reader,
// writer and watchdog until one of them ends it. Returns true if the handshake completed.
// Runs on h->strand; `socket` uses the same strand.
asio::awaitable<bool> RunSession(NetworkManager::Impl& manager, std::shared_ptr<PeerHandle> h,
                                 tcp::socket socket, std::optional<tcp::endpoint> dial);
}  // namespace detail

}  // namespace parthenon::p2p

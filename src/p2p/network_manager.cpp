// NetworkManager::Impl: the io_context and its threads, listeners and the accept loop,
// add-node dialers, the peer registry, admission limits, queues and the misbehaviour decision
// point. Sessions themselves are in session.cpp.
#include "p2p/transport/zero_copy.h"
#include "p2p/network_manager.h"

#include <algorithm>
#include <limits>
#include <fmt/format.h>

#include "p2p/anchors.h"
#include "p2p/detail/manager.h"
#include "p2p/transport/cert_rotation.h"
#include "p2p/transport/tls_context.h"
#include "p2p/wire/frame.h"

namespace parthenon::p2p {
namespace {

using detail::kAsTuple;
using detail::PeerHandle;
using detail::tcp;

void LogEscaped(std::string_view what, const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    util::Log(util::LogCategory::kNet).error("{} ended with an exception: {}", what, e.what());
  }
}

std::shared_ptr<const util::Bytes> EncodeShared(const wire::Magic& magic,
                                                const wire::Message& message) {
  return std::make_shared<const util::Bytes>(wire::EncodeFrame(magic, message));
}

}  // namespace

namespace detail {

wire::NetAddress ToNetAddress(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v4()) {
    return wire::NetAddress::FromIPv4(address.to_v4().to_bytes(), endpoint.port());
  }
  wire::NetAddress::IpBytes ip;
  const auto bytes = address.to_v6().to_bytes();
  std::transform(bytes.begin(), bytes.end(), ip.begin(), [](uint8_t b) { return std::byte{b}; });
  return wire::NetAddress(ip, endpoint.port());
}

tcp::endpoint ToEndpoint(const wire::NetAddress& address) {
  if (address.IsIPv4()) return {asio::ip::address_v4(address.IPv4()), address.port()};
  asio::ip::address_v6::bytes_type bytes;
  std::transform(address.ip().begin(), address.ip().end(), bytes.begin(),
                 [](std::byte b) { return static_cast<uint8_t>(b); });
  return {asio::ip::address_v6(bytes), address.port()};
}

bool IsLoopback(const wire::NetAddress& address) {
  if (address.IsIPv4()) return address.IPv4()[0] == 127;
  return ToEndpoint(address).address().is_loopback();
}

namespace {
std::string CommandLabel(size_t i) {
  return i < wire::kCommandCount ? std::string(wire::kCommands[i].name) : std::string("*other*");
}
}  // namespace

PeerInfo PeerHandle::Snapshot() const {
  util::MutexLock lock(mutex);
  PeerInfo copy = info;
  for (size_t i = 0; i <= wire::kCommandCount; ++i) {
    if (sent[i].messages) copy.sent_per_command[CommandLabel(i)] = sent[i];
    if (received[i].messages) copy.received_per_command[CommandLabel(i)] = received[i];
  }
  return copy;
}

}  // namespace detail

std::string_view ToString(NetError error) {
  switch (error) {
    case NetError::kAlreadyStarted: return "already started";
    case NetError::kNotRunning: return "not running";
    case NetError::kBindFailed: return "bind failed";
    case NetError::kBadAddress: return "bad address";
    case NetError::kDuplicate: return "duplicate";
    case NetError::kOutboundLimit: return "outbound limit reached";
    case NetError::kBanned: return "banned";
    case NetError::kUnknownPeer: return "unknown peer";
    case NetError::kNotConnected: return "not connected";
    case NetError::kSendQueueFull: return "send queue full";
    case NetError::kTlsConfig: return "TLS configuration";
  }
  return "?";
}

namespace {
NetworkManager::Options WithTlsService(NetworkManager::Options options) {
  if (options.tls.mode != transport::TlsMode::kOff) options.services |= wire::kNodeTls;
  return options;
}
}  // namespace

NetworkManager::Impl::Impl(Options options)
    : options_(WithTlsService(std::move(options))),
      policy_(options_.policy ? options_.policy : &default_policy_),
      rng_(std::random_device{}()) {
  for (const auto& ip : options_.whitelist) {
    if (auto address = wire::NetAddress::Parse(ip, 0)) {
      whitelist_.push_back(*address);
    } else {
      bad_whitelist_ = true;
    }
  }
}

NetworkManager::Impl::~Impl() { Stop(); }

NetResult<void> NetworkManager::Impl::Start() {
  {
    util::MutexLock lock(mutex_);
    if (running_ || stopping_) return std::unexpected(NetError::kAlreadyStarted);
  }
  if (bad_whitelist_) return std::unexpected(NetError::kBadAddress);
  if (auto tls = StartTls(); !tls) return tls;
  auto& log = util::Log(util::LogCategory::kNet);
  log.info("zero-copy: {}; stored blocks are sent {}", transport::ProbeZeroCopy().ToString(),
           ZeroCopySend() ? "by sendfile on plaintext links" : "by copying (sendfile off or missing)");
  if (options_.listen) {
    for (const auto& bind : options_.bind_addresses) {
      asio::error_code ec;
      auto address = asio::ip::make_address(bind, ec);
      if (ec) return std::unexpected(NetError::kBadAddress);
      auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(io_));
      tcp::endpoint endpoint(address, options_.port);
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        log.warn("cannot listen on {}: {}", bind, ec.message());
        continue;
      }
      listen_ports_.push_back(acceptor->local_endpoint().port());
      log.info("listening on {}", detail::ToNetAddress(acceptor->local_endpoint()).ToString());
      acceptors_.push_back(std::move(acceptor));
    }
    if (acceptors_.empty()) return std::unexpected(NetError::kBindFailed);
  }
  work_.emplace(io_.get_executor());
  {
    util::MutexLock lock(mutex_);
    running_ = true;
    for (auto& acceptor : acceptors_) {
      ++acceptors_running_;
      asio::co_spawn(acceptor->get_executor(), AcceptLoop(*acceptor),
                     [this](std::exception_ptr e) {
                       LogEscaped("accept loop", e);
                       util::MutexLock done(mutex_);
                       --acceptors_running_;
                       idle_.NotifyAll();
                     });
    }
  }
  for (size_t i = 0; i < std::max<size_t>(1, options_.io_threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  for (const auto& node : options_.add_nodes) {
    if (auto target = wire::SplitHostPort(node, options_.port)) {
      (void)AddPeer(target->host, target->port, AddMode::kKeep);
    } else {
      util::Log(util::LogCategory::kNet).warn("add node '{}' is not host[:port]; ignored", node);
    }
  }
  if (options_.address_source) {
    if (!options_.anchors_file.empty()) {
      anchors_ = TakeAnchorsFile(options_.anchors_file);
      std::reverse(anchors_.begin(), anchors_.end());  // dialled from the back: file order
      if (!anchors_.empty()) {
        util::Log(util::LogCategory::kNet).info("{} anchors to dial first", anchors_.size());
      }
    }
    outbound_timer_.emplace(asio::make_strand(io_));
    util::MutexLock lock(mutex_);
    ++dialers_;
    asio::co_spawn(outbound_timer_->get_executor(), OutboundLoop(), [this](std::exception_ptr e) {
      LogEscaped("outbound selection", e);
      util::MutexLock done(mutex_);
      --dialers_;
      idle_.NotifyAll();
    });
  }
  return {};
}

// ---- Peer-database hooks ----

asio::awaitable<void> NetworkManager::Impl::OutboundLoop() {
  auto& timer = *outbound_timer_;
  for (;;) {
    {
      util::MutexLock lock(mutex_);
      if (stopping_) co_return;
    }
    const auto next = NextDial();
    if (next && !Refuses(next->first)) DialOnce(next->first, next->second);
    timer.expires_after(next ? std::chrono::milliseconds(1) : options_.outbound_poll_interval);
    co_await timer.async_wait(kAsTuple);
  }
}

// Order (Bitcoin Core's ThreadOpenConnections): anchors first (as block-relay-only), then the
// full-relay slots, then the block-relay-only slots; once all are full, a feeler when due.
std::optional<std::pair<wire::NetAddress, ConnectionType>> NetworkManager::Impl::NextDial() {
  std::vector<wire::NetAddress> current;
  size_t full = 0;
  size_t block = 0;
  bool room = false;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) {
      if (h->direction != Direction::kOutbound) continue;
      current.push_back(h->address);
      full += h->connection_type == ConnectionType::kFullRelay ||
              h->connection_type == ConnectionType::kManual;
      block += h->connection_type == ConnectionType::kBlockRelay;
    }
    room = peers_.size() < options_.max_connections;
  }
  if (!room) return std::nullopt;
  const bool block_room = block < options_.max_block_relay;
  while (!anchors_.empty() && block_room) {
    const auto anchor = anchors_.back();
    anchors_.pop_back();
    if (std::find(current.begin(), current.end(), anchor) == current.end()) {
      return std::pair{anchor, ConnectionType::kBlockRelay};
    }
  }
  if (full < options_.max_outbound || block_room) {
    const auto type = full < options_.max_outbound ? ConnectionType::kFullRelay
                                                   : ConnectionType::kBlockRelay;
    if (auto next = options_.address_source(current)) return std::pair{*next, type};
    return std::nullopt;
  }
  if (!options_.feeler_source) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (next_feeler_ == std::chrono::steady_clock::time_point{}) {
    next_feeler_ = now;  // the first gap starts when the slots are full
  }
  if (now < next_feeler_) return std::nullopt;
  // Poisson process: exponential gaps with the configured mean.
  std::exponential_distribution<double> gap(1.0);
  next_feeler_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           options_.feeler_interval * gap(feeler_rng_));
  if (auto next = options_.feeler_source(current)) return std::pair{*next, ConnectionType::kFeeler};
  return std::nullopt;
}

void NetworkManager::Impl::DialOnce(const wire::NetAddress& address, ConnectionType type) {
  auto strand = asio::make_strand(io_);
  std::shared_ptr<PeerHandle> h;
  {
    util::MutexLock lock(mutex_);
    if (stopping_ || ConnectedTo(address)) return;
    h = std::make_shared<PeerHandle>(next_id_++, Direction::kOutbound, address, strand,
                                     options_.max_send_queue_bytes,
                                     options_.max_send_queue_messages, /*manual=*/false, type);
    peers_.emplace(h->id, h);
  }
  PeerDebug(h->id, "dialing {} (selected, {})", address.ToString(), ToString(type));
  asio::co_spawn(strand,
                 detail::RunSession(*this, h, tcp::socket(strand), detail::ToEndpoint(address)),
                 [](std::exception_ptr e, bool) { LogEscaped("outbound session", e); });
}

void NetworkManager::Impl::SaveAnchors() {
  if (options_.anchors_file.empty()) return;
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) {
      if (h->connection_type == ConnectionType::kBlockRelay) handles.push_back(h);
    }
  }
  std::vector<wire::NetAddress> anchors;
  for (const auto& h : handles) {
    if (h->Snapshot().state == PeerState::kConnected) anchors.push_back(h->address);
  }
  if (anchors.size() > options_.max_block_relay) anchors.resize(options_.max_block_relay);
  if (!WriteAnchorsFile(options_.anchors_file, anchors)) {
    util::Log(util::LogCategory::kNet).warn("cannot write {}", options_.anchors_file.string());
    return;
  }
  util::Log(util::LogCategory::kNet).info("saved {} anchors to {}", anchors.size(),
                                          options_.anchors_file.string());
}

bool NetworkManager::Impl::EvictInbound() {
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) {
      if (h->direction != Direction::kInbound) continue;
      util::MutexLock peer_lock(h->mutex);
      if (!h->close_request) handles.push_back(h);
    }
  }
  std::vector<PeerInfo> inbound;
  inbound.reserve(handles.size());
  for (const auto& h : handles) inbound.push_back(h->Snapshot());
  const auto victim = options_.inbound_eviction(inbound);
  if (!victim) return false;
  for (const auto& h : handles) {
    if (h->id != *victim) continue;
    PeerDebug(h->id, "evicted for a new inbound peer");
    RequestClose(h, {DisconnectReason::kRequested, "evicted"});
    return true;
  }
  return false;
}

void NetworkManager::Impl::Stop() {
  std::vector<std::shared_ptr<PeerHandle>> peers;
  std::vector<std::shared_ptr<detail::DialTarget>> targets;
  {
    util::MutexLock lock(mutex_);
    if (!running_ || stopping_) return;
    stopping_ = true;
    for (auto& [key, target] : targets_) targets.push_back(target);
    targets_.clear();
  }
  SaveAnchors();  // before the sessions close (no new ones start: stopping_ is set)
  {
    util::MutexLock lock(mutex_);
    for (auto& [id, h] : peers_) peers.push_back(h);
  }
  for (auto& acceptor : acceptors_) {
    asio::post(acceptor->get_executor(), [&acceptor] {
      asio::error_code ignored;
      acceptor->close(ignored);
    });
  }
  for (auto& target : targets) {
    asio::post(target->strand, [target] { target->backoff.cancel(); });
  }
  if (outbound_timer_) {
    asio::post(outbound_timer_->get_executor(), [this] { outbound_timer_->cancel(); });
  }
  for (auto& h : peers) RequestClose(h, {DisconnectReason::kShutdown, "node stopping"});
  {
    // Sessions started after the snapshot above see stopping_ and close themselves.
    util::MutexLock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
    while (!peers_.empty() || dialers_ > 0 || acceptors_running_ > 0) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::nanoseconds{0}) break;
      idle_.WaitFor(mutex_, left);
      for (auto& [id, h] : peers_) {  // late arrivals
        RequestClose(h, {DisconnectReason::kShutdown, "node stopping"});
      }
    }
    if (!peers_.empty()) {
      util::Log(util::LogCategory::kNet)
          .warn("{} sessions still open after the shutdown grace period", peers_.size());
    }
  }
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  if (rotation_) rotation_->Stop();
  outbound_timer_.reset();
  util::MutexLock lock(mutex_);
  running_ = false;
}

NetResult<void> NetworkManager::Impl::StartTls() {
  const auto& tls = options_.tls;
  if (tls.mode == transport::TlsMode::kOff) return {};
  auto& log = util::Log(util::LogCategory::kNet);
  auto context = transport::TlsContext::Create(tls);
  if (!context) {
    log.error("TLS: {}", context.error().ToString());
    return std::unexpected(NetError::kTlsConfig);
  }
  rotation_ = std::make_unique<transport::CertificateRotation>();
  if (auto watched = rotation_->Init(tls.cert_file, tls.key_file, tls.rotation_interval,
                                     tls.expiry_warning);
      !watched) {
    log.error("TLS: {}", watched.error().ToString());
    return std::unexpected(NetError::kTlsConfig);
  }
  rotation_->SetRotationCallback([this](const transport::CertificateInfo&) {
    auto rebuilt = transport::TlsContext::Create(options_.tls);
    if (!rebuilt) {
      util::Log(util::LogCategory::kNet)
          .warn("TLS: rotated certificate rejected, keeping the old one: {}",
                rebuilt.error().ToString());
      return;
    }
    util::MutexLock lock(mutex_);
    tls_ = std::move(*rebuilt);
  });
  log.info("TLS {}: certificate subject=\"{}\" key sha256:{}", transport::ToString(tls.mode),
           (*context)->certificate().subject, (*context)->certificate().fingerprint);
  {
    util::MutexLock lock(mutex_);
    tls_ = std::move(*context);
  }
  rotation_->Start();
  return {};
}

std::shared_ptr<transport::TlsContext> NetworkManager::Impl::CurrentTls() const {
  util::MutexLock lock(mutex_);
  return tls_;
}

void NetworkManager::Impl::RememberTlsPeer(const wire::NetAddress& address) {
  util::MutexLock lock(mutex_);
  tls_peers_.insert(address.ToString());
}

bool NetworkManager::Impl::KnowsTlsPeer(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  return tls_peers_.contains(address.ToString());
}

transport::TlsStatus NetworkManager::Impl::GetTlsStatus() const {
  transport::TlsStatus status;
  status.mode = options_.tls.mode;
  status.pins = options_.tls.pins.size();
  status.verify_ca = !options_.tls.ca_file.empty();
  if (auto context = CurrentTls()) status.certificate = context->certificate();
  if (rotation_) {
    status.rotations = rotation_->rotations();
    status.expiring_soon = rotation_->expiring_soon();
  }
  status.kernel_tls = transport::ProbeZeroCopy().ktls;
  status.kernel_tls_openssl = transport::ProbeZeroCopy().ktls_openssl;
  return status;
}

bool NetworkManager::Impl::ZeroCopySend() const {
  return options_.zero_copy_send && transport::ProbeZeroCopy().sendfile;
}

NetResult<bool> NetworkManager::Impl::ReloadTlsCertificate() {
  if (!rotation_) return std::unexpected(NetError::kTlsConfig);
  return rotation_->CheckNow();
}

std::vector<uint16_t> NetworkManager::Impl::ListenPorts() const { return listen_ports_; }

asio::awaitable<void> NetworkManager::Impl::AcceptLoop(tcp::acceptor& acceptor) {
  asio::steady_timer pause(acceptor.get_executor());
  for (;;) {
    auto strand = asio::make_strand(io_);
    auto [ec, socket] = co_await acceptor.async_accept(strand, kAsTuple);
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or similar: do not spin; the session timeouts will free some.
      if (const auto suppressed = accept_error_log_limiter_.Allow()) {
        util::Log(util::LogCategory::kNet).warn("accept failed: {} ({} similar lines suppressed)", ec.message(),
                                                *suppressed);
      }
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    Admit(std::move(socket), strand);
  }
}

bool NetworkManager::Impl::ExemptFromIpLimit(const wire::NetAddress& address) const {
  if (options_.exempt_loopback_from_ip_limit && detail::IsLoopback(address)) return true;
  return std::any_of(whitelist_.begin(), whitelist_.end(), [&](const wire::NetAddress& w) {
    return w.ip() == address.ip();
  });
}

void NetworkManager::Impl::Admit(tcp::socket socket, detail::Strand strand) {
  asio::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  const auto address = detail::ToNetAddress(remote);
  std::string refusal;
  std::shared_ptr<PeerHandle> h;
  if (Refuses(address)) refusal = "banned";
  {
    util::MutexLock lock(mutex_);
    ++stats_.accepted;
    if (refusal.empty()) {
      size_t inbound = 0;
      size_t same_ip = 0;
      for (const auto& [id, peer] : peers_) {
        if (peer->direction != Direction::kInbound) continue;
        ++inbound;
        if (peer->address.ip() == address.ip()) ++same_ip;
      }
      if (stopping_) {
        refusal = "stopping";
      } else if (inbound >= options_.max_inbound) {
        refusal = "inbound limit";
      } else if (peers_.size() >= options_.max_connections) {
        refusal = "connection limit";
      } else if (same_ip >= options_.max_inbound_per_ip && !ExemptFromIpLimit(address)) {
        refusal = "per-IP limit";
      }
    }
    if (refusal.empty()) {
      h = std::make_shared<PeerHandle>(next_id_++, Direction::kInbound, address, strand,
                                       options_.max_send_queue_bytes,
                                       options_.max_send_queue_messages);
      peers_.emplace(h->id, h);
    }
  }
  // Full: an inbound peer may make room (the victim closes promptly; until then we are one over).
  if ((refusal == "inbound limit" || refusal == "connection limit") &&
      options_.inbound_eviction && EvictInbound()) {
    util::MutexLock lock(mutex_);
    if (!stopping_) {
      refusal.clear();
      h = std::make_shared<PeerHandle>(next_id_++, Direction::kInbound, address, strand,
                                       options_.max_send_queue_bytes,
                                       options_.max_send_queue_messages);
      peers_.emplace(h->id, h);
    }
  }
  if (!h) {
    util::MutexLock lock(mutex_);
    ++stats_.refused_inbound;
  }
  if (!h) {
    socket.close(ec);
    if (auto& log = util::Log(util::LogCategory::kNet);
        log.should_log(spdlog::level::debug) && log_limiter_.Allow()) {
      log.debug("refused inbound {}: {}", address.ToString(), refusal);
    }
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  PeerDebug(h->id, "inbound connection from {}", address.ToString());
  asio::co_spawn(strand, detail::RunSession(*this, h, std::move(socket), std::nullopt),
                 [](std::exception_ptr e, bool) { LogEscaped("inbound session", e); });
}

NetResult<void> NetworkManager::Impl::AddPeer(const std::string& host, uint16_t port,
                                              AddMode mode) {
  const std::string key = fmt::format("{}:{}", host, port);
  if (auto address = wire::NetAddress::Parse(host, port); address && Refuses(*address)) {
    return std::unexpected(NetError::kBanned);
  }
  util::MutexLock lock(mutex_);
  if (!running_ || stopping_) return std::unexpected(NetError::kNotRunning);
  if (targets_.contains(key)) return std::unexpected(NetError::kDuplicate);
  if (auto address = wire::NetAddress::Parse(host, port); address && ConnectedTo(*address)) {
    return std::unexpected(NetError::kDuplicate);
  }
  if (targets_.size() >= options_.max_outbound) return std::unexpected(NetError::kOutboundLimit);
  auto target = std::make_shared<detail::DialTarget>(host, port, asio::make_strand(io_),
                                                     mode == AddMode::kOnce);
  targets_.emplace(key, target);
  SpawnDialer(std::move(target));
  return {};
}

void NetworkManager::Impl::RemovePeer(const std::string& host, uint16_t port) {
  std::shared_ptr<detail::DialTarget> target;
  {
    util::MutexLock lock(mutex_);
    auto it = targets_.find(fmt::format("{}:{}", host, port));
    if (it == targets_.end()) return;
    target = it->second;
    targets_.erase(it);
  }
  asio::post(target->strand, [target] { target->backoff.cancel(); });
}

bool NetworkManager::Impl::ConnectedTo(const wire::NetAddress& address) const {
  return std::any_of(peers_.begin(), peers_.end(),
                     [&](const auto& entry) { return entry.second->address == address; });
}

void NetworkManager::Impl::SpawnDialer(std::shared_ptr<detail::DialTarget> target) {
  ++dialers_;
  auto strand = target->strand;
  asio::co_spawn(strand, DialLoop(std::move(target)), [this](std::exception_ptr e) {
    LogEscaped("dialer", e);
    util::MutexLock lock(mutex_);
    --dialers_;
    idle_.NotifyAll();
  });
}

asio::awaitable<void> NetworkManager::Impl::DialLoop(std::shared_ptr<detail::DialTarget> target) {
  auto delay = options_.retry_initial_delay;
  tcp::resolver resolver(target->strand);
  const auto still_wanted = [&] {
    util::MutexLock lock(mutex_);
    auto it = targets_.find(fmt::format("{}:{}", target->host, target->port));
    return !stopping_ && it != targets_.end() && it->second == target;
  };
  while (still_wanted()) {
    std::optional<tcp::endpoint> endpoint;
    if (auto parsed = wire::NetAddress::Parse(target->host, target->port)) {
      endpoint = detail::ToEndpoint(*parsed);
    } else {
      auto [ec, results] = co_await resolver.async_resolve(
          target->host, std::to_string(target->port), kAsTuple);
      if (!ec && !results.empty()) endpoint = results.begin()->endpoint();
      if (ec) PeerDebug(0, "resolving {} failed: {}", target->host, ec.message());
    }
    std::shared_ptr<PeerHandle> h;
    if (endpoint) {
      const auto address = detail::ToNetAddress(*endpoint);
      util::MutexLock lock(mutex_);
      const size_t outbound = static_cast<size_t>(
          std::count_if(peers_.begin(), peers_.end(), [](const auto& entry) {
            return entry.second->direction == Direction::kOutbound;
          }));
      if (!stopping_ && !ConnectedTo(address) && outbound < options_.max_outbound &&
          peers_.size() < options_.max_connections) {
        h = std::make_shared<PeerHandle>(next_id_++, Direction::kOutbound, address,
                                         target->strand, options_.max_send_queue_bytes,
                                         options_.max_send_queue_messages, /*manual=*/true);
        peers_.emplace(h->id, h);
      }
    }
    if (h && !Refuses(h->address)) {
      const bool reached = co_await detail::RunSession(*this, h, tcp::socket(target->strand),
                                                       *endpoint);
      if (reached) delay = options_.retry_initial_delay;
      if (h->Snapshot().disconnect_reason == DisconnectReason::kWrongChain) {
        delay = std::max(delay, options_.wrong_chain_retry_delay);
        LifecycleInfo("{}:{} follows another chain: next attempt in {} s", target->host,
                      target->port,
                      std::chrono::duration_cast<std::chrono::seconds>(delay).count());
      }
    } else if (h) {
      OnSessionEnded(*h, {DisconnectReason::kBanned, "address is banned"});
    }
    if (target->once) {
      util::MutexLock lock(mutex_);
      auto it = targets_.find(fmt::format("{}:{}", target->host, target->port));
      if (it != targets_.end() && it->second == target) targets_.erase(it);
      break;
    }
    if (!still_wanted()) break;
    target->backoff.expires_after(delay);
    co_await target->backoff.async_wait(kAsTuple);
    delay = std::min(delay * 2, options_.retry_max_delay);
  }
}

NetResult<void> NetworkManager::Impl::DisconnectPeer(PeerId id) {
  const auto h = Find(id);
  if (!h) return std::unexpected(NetError::kUnknownPeer);
  RequestClose(h, {DisconnectReason::kRequested, "disconnect requested"});
  return {};
}

size_t NetworkManager::Impl::PingAll() {
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) handles.push_back(h);
  }
  for (const auto& h : handles) {
    {
      util::MutexLock lock(h->mutex);
      h->ping_requested = true;
    }
    asio::post(h->strand, [h] { h->watchdog_wake.cancel(); });
  }
  return handles.size();
}

NetResult<Judgement> NetworkManager::Impl::ReportMisbehavior(PeerId id,
                                                             const Misbehavior& misbehavior) {
  const auto h = Find(id);
  if (!h) return std::unexpected(NetError::kUnknownPeer);
  const Judgement judgement = Judge(*h, misbehavior);
  if (judgement.verdict != Verdict::kIgnore) {
    RequestClose(h, {judgement.reason, misbehavior.Describe()});
  }
  return judgement;
}

std::shared_ptr<PeerHandle> NetworkManager::Impl::Find(PeerId id) const {
  util::MutexLock lock(mutex_);
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

bool NetworkManager::Impl::Refuses(const wire::NetAddress& address) const {
  return policy_->IsBanned(address);
}

NetResult<size_t> NetworkManager::Impl::Ban(std::string_view text,
                                            std::optional<std::chrono::seconds> duration) {
  const auto subnet = Subnet::Parse(text);
  if (!subnet) return std::unexpected(NetError::kBadAddress);
  if (!policy_->Ban(*subnet, duration, "setban")) return std::unexpected(NetError::kNotRunning);
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) handles.push_back(h);
  }
  size_t closed = 0;
  for (const auto& h : handles) {
    if (!Refuses(h->address)) continue;  // e.g. whitelisted
    RequestClose(h, {DisconnectReason::kBanned, "banned by setban"});
    ++closed;
  }
  return closed;
}

NetResult<void> NetworkManager::Impl::Unban(std::string_view text) {
  const auto subnet = Subnet::Parse(text);
  if (!subnet) return std::unexpected(NetError::kBadAddress);
  if (!policy_->Unban(*subnet)) return std::unexpected(NetError::kUnknownPeer);
  return {};
}

void NetworkManager::Impl::RequestClose(const std::shared_ptr<PeerHandle>& h,
                                        detail::Ending ending) {
  {
    util::MutexLock lock(h->mutex);
    if (h->close_request) return;
    h->close_request = std::move(ending);
  }
  asio::post(h->strand, [h] { h->watchdog_wake.cancel(); });
}

bool NetworkManager::Impl::Enqueue(const std::shared_ptr<PeerHandle>& h,
                                   transport::OutFrame frame, bool on_strand) {
  bool wake_writer = false;
  bool wake_watchdog = false;
  {
    util::MutexLock lock(h->mutex);
    if (h->close_request) return false;
    wake_writer = h->queue.empty();
    const auto size = static_cast<int64_t>(frame.size());
    if (h->queue.Push(std::move(frame))) {
      queued_send_bytes += size;
    } else {
      h->close_request = detail::Ending{
          DisconnectReason::kSendQueueFull,
          fmt::format("{} messages, {} bytes queued", h->queue.size(), h->queue.bytes())};
      wake_writer = false;
      wake_watchdog = true;  // it ends the session, even while the writer is stuck in a write
    }
  }
  auto& timer = wake_watchdog ? h->watchdog_wake : h->writer_wake;
  if (wake_writer || wake_watchdog) {
    if (on_strand) {
      timer.cancel();
    } else {
      asio::post(h->strand, [h, &timer] { timer.cancel(); });
    }
  }
  return !wake_watchdog;
}

Judgement NetworkManager::Impl::Judge(PeerHandle& h, const Misbehavior& misbehavior) {
  const Judgement judgement =
      policy_->Judge({.id = h.id, .address = h.address, .direction = h.direction,
                      .manual = h.manual},
                     misbehavior);
  PeerDebug(h.id, "misbehaved: {} -> {} (score {})", misbehavior.Describe(),
            ToString(judgement.verdict), judgement.score);
  return judgement;
}

void NetworkManager::Impl::NoteRequest(PeerHandle& h, const wire::Message& message) {
  uint64_t items = 0;
  uint64_t headers = 0;
  if (const auto* getdata = std::get_if<wire::GetData>(&message)) items = getdata->items.size();
  if (std::holds_alternative<wire::GetBlockTxn>(message)) items = 1;  // answered by one blocktxn
  if (std::holds_alternative<wire::GetHeaders>(message)) headers = 1;
  if (items == 0 && headers == 0) return;
  util::MutexLock lock(h.mutex);
  // Bounded: a peer that never answers cannot make us exempt it from the limit for ever more
  // than one full getdata's worth.
  h.solicited_items = std::min<uint64_t>(h.solicited_items + items, 4 * wire::kMaxInvEntries);
  h.solicited_headers = std::min<uint64_t>(h.solicited_headers + headers, 64);
}

uint64_t NetworkManager::Impl::RandomNonce() {
  util::MutexLock lock(mutex_);
  uint64_t nonce = 0;
  while (nonce == 0) nonce = rng_();
  return nonce;
}

void NetworkManager::Impl::RememberLocalNonce(uint64_t nonce) {
  util::MutexLock lock(mutex_);
  local_nonces_.insert(nonce);
}

void NetworkManager::Impl::ForgetLocalNonce(uint64_t nonce) {
  util::MutexLock lock(mutex_);
  if (auto it = local_nonces_.find(nonce); it != local_nonces_.end()) local_nonces_.erase(it);
}

bool NetworkManager::Impl::IsLocalNonce(uint64_t nonce) const {
  util::MutexLock lock(mutex_);
  return local_nonces_.contains(nonce);
}

bool NetworkManager::Impl::RegisterRemoteNonce(PeerHandle& h, uint64_t nonce) {
  util::MutexLock lock(mutex_);
  for (const auto& [id, peer] : peers_) {
    if (peer.get() == &h) continue;
    util::MutexLock peer_lock(peer->mutex);
    if (peer->remote_nonce == nonce) return false;
  }
  util::MutexLock own(h.mutex);
  h.remote_nonce = nonce;
  return true;
}

void NetworkManager::Impl::OnHandshakeComplete(PeerHandle& h) {
  {
    util::MutexLock lock(h.mutex);
    h.info.state = PeerState::kConnected;
    h.info.connected_since = options_.clock->Now();
  }
  const PeerInfo info = h.Snapshot();
  LifecycleInfo("peer={} connected: {} {} version={} agent=\"{}\" height={}", h.id,
                ToString(h.direction), h.address.ToString(), info.version, info.user_agent,
                info.start_height);
  if (on_connected) on_connected(info);
  for (const auto& observer : observers) {
    if (observer.on_connected) observer.on_connected(info);
  }
  // A feeler has done its job once everybody has seen the handshake complete.
  if (h.connection_type == ConnectionType::kFeeler) {
    if (auto handle = Find(h.id)) RequestClose(handle, {DisconnectReason::kRequested, "feeler"});
  }
}

void NetworkManager::Impl::OnSessionEnded(PeerHandle& h, const detail::Ending& ending) {
  {
    util::MutexLock lock(mutex_);
    peers_.erase(h.id);
    idle_.NotifyAll();
  }
  policy_->Forget(h.id);
  std::array<CommandStats, wire::kCommandCount + 1> sent{};
  std::array<CommandStats, wire::kCommandCount + 1> received{};
  {
    util::MutexLock lock(h.mutex);
    sent = h.sent;
    received = h.received;
    queued_send_bytes -= static_cast<int64_t>(h.queue.bytes());
    std::vector<transport::OutFrame> dropped;
    h.queue.PopBatch(dropped, std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max());
  }
  {
    util::MutexLock lock(mutex_);  // traffic totals that survive the session
    for (size_t i = 0; i <= wire::kCommandCount; ++i) {
      closed_sent_[i].messages += sent[i].messages;
      closed_sent_[i].bytes += sent[i].bytes;
      closed_received_[i].messages += received[i].messages;
      closed_received_[i].bytes += received[i].bytes;
    }
  }
  bool was_connected = false;
  {
    util::MutexLock lock(h.mutex);
    was_connected = h.info.state == PeerState::kConnected;
    h.info.state = ending.reason == DisconnectReason::kBanned ? PeerState::kBanned
                                                              : PeerState::kDisconnected;
    h.info.disconnect_reason = ending.reason;
    h.info.disconnect_detail = ending.detail;
  }
  // Sessions that never got through the handshake are peer-triggerable: debug, rate-limited.
  if (was_connected || h.direction == Direction::kOutbound) {
    LifecycleInfo("peer={} disconnected: {} {} reason={} {}", h.id, ToString(h.direction),
                  h.address.ToString(), ToString(ending.reason), ending.detail);
  } else {
    PeerDebug(h.id, "closed before handshake: {} reason={} {}", h.address.ToString(),
              ToString(ending.reason), ending.detail);
  }
  if (on_disconnected || !observers.empty()) {
    const PeerInfo snapshot = h.Snapshot();
    if (on_disconnected) on_disconnected(snapshot);
    for (const auto& observer : observers) {
      if (observer.on_disconnected) observer.on_disconnected(snapshot);
    }
  }
  // A selected outbound link closed for the TLS upgrade is redialled at once, over TLS now
  // (manual targets have their own dialer; selection would wait its retry pause).
  if (ending.reason == DisconnectReason::kTlsUpgrade && h.direction == Direction::kOutbound &&
      !h.manual) {
    DialOnce(h.address, h.connection_type);
  }
}

std::vector<PeerInfo> NetworkManager::Impl::GetPeers() const {
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) handles.push_back(h);
  }
  std::vector<PeerInfo> peers;
  peers.reserve(handles.size());
  for (const auto& h : handles) peers.push_back(h->Snapshot());
  return peers;
}

std::optional<PeerInfo> NetworkManager::Impl::GetPeer(PeerId id) const {
  const auto h = Find(id);
  if (!h) return std::nullopt;
  return h->Snapshot();
}

NetworkManager::Stats NetworkManager::Impl::GetStats() const {
  util::MutexLock lock(mutex_);
  Stats stats = stats_;
  for (const auto& [id, h] : peers_) {
    ++(h->direction == Direction::kInbound ? stats.inbound : stats.outbound);
  }
  for (size_t i = 0; i <= wire::kCommandCount; ++i) {
    if (closed_sent_[i].messages) stats.sent_by_closed[detail::CommandLabel(i)] = closed_sent_[i];
    if (closed_received_[i].messages) {
      stats.received_by_closed[detail::CommandLabel(i)] = closed_received_[i];
    }
  }
  return stats;
}

NetResult<void> NetworkManager::Impl::SendFrame(PeerId id, transport::OutFrame frame) {
  const auto h = Find(id);
  if (!h) return std::unexpected(NetError::kUnknownPeer);
  {
    util::MutexLock lock(h->mutex);
    if (h->info.state != PeerState::kConnected) return std::unexpected(NetError::kNotConnected);
  }
  if (!Enqueue(h, std::move(frame), /*on_strand=*/false)) {
    return std::unexpected(NetError::kSendQueueFull);
  }
  return {};
}

std::optional<size_t> NetworkManager::Impl::SendQueueBytes(PeerId id) const {
  const auto h = Find(id);
  if (!h) return std::nullopt;
  util::MutexLock lock(h->mutex);
  return h->queue.bytes();
}

NetResult<void> NetworkManager::Impl::Send(PeerId id, const wire::Message& message) {
  {
    // Counted before the request leaves, so its answer is never charged to the receive budget.
    if (const auto h = Find(id)) NoteRequest(*h, message);
  }
  return SendFrame(id, {EncodeShared(options_.magic, message),
                        static_cast<uint8_t>(message.index())});
}

size_t NetworkManager::Impl::Broadcast(const wire::Message& message,
                                       std::optional<PeerId> except) {
  std::vector<std::shared_ptr<PeerHandle>> handles;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, h] : peers_) {
      if (id != except) handles.push_back(h);
    }
  }
  const transport::OutFrame frame{EncodeShared(options_.magic, message),
                                  static_cast<uint8_t>(message.index())};
  size_t queued = 0;
  for (const auto& h : handles) {
    {
      util::MutexLock lock(h->mutex);
      if (h->info.state != PeerState::kConnected) continue;
    }
    if (Enqueue(h, frame, /*on_strand=*/false)) ++queued;
  }
  return queued;
}

// ---- NetworkManager: the public face ----

NetworkManager::NetworkManager(uint16_t port, const wire::Magic& magic)
    : NetworkManager(Options{.magic = magic, .port = port}) {}
NetworkManager::NetworkManager(Options options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
NetworkManager::~NetworkManager() { impl_->Stop(); }

NetResult<void> NetworkManager::Start() { return impl_->Start(); }
void NetworkManager::Stop() { impl_->Stop(); }
std::vector<uint16_t> NetworkManager::ListenPorts() const { return impl_->ListenPorts(); }
NetResult<void> NetworkManager::AddPeer(const std::string& host, uint16_t port, AddMode mode) {
  return impl_->AddPeer(host, port, mode);
}
void NetworkManager::RemovePeer(const std::string& host, uint16_t port) {
  impl_->RemovePeer(host, port);
}
NetResult<void> NetworkManager::DisconnectPeer(PeerId id) { return impl_->DisconnectPeer(id); }
size_t NetworkManager::PingAll() { return impl_->PingAll(); }
NetResult<Judgement> NetworkManager::ReportMisbehavior(PeerId id,
                                                       const Misbehavior& misbehavior) {
  return impl_->ReportMisbehavior(id, misbehavior);
}
NetResult<size_t> NetworkManager::Ban(std::string_view subnet,
                                      std::optional<std::chrono::seconds> duration) {
  return impl_->Ban(subnet, duration);
}
NetResult<void> NetworkManager::Unban(std::string_view subnet) { return impl_->Unban(subnet); }
std::vector<PeerInfo> NetworkManager::GetPeers() const { return impl_->GetPeers(); }
std::optional<PeerInfo> NetworkManager::GetPeer(PeerId id) const { return impl_->GetPeer(id); }
NetworkManager::Stats NetworkManager::GetStats() const { return impl_->GetStats(); }
NetResult<void> NetworkManager::Send(PeerId id, const wire::Message& message) {
  return impl_->Send(id, message);
}
NetResult<void> NetworkManager::SendFrame(PeerId id, wire::Command command, util::Bytes frame) {
  return impl_->SendFrame(id, {std::make_shared<const util::Bytes>(std::move(frame)),
                               static_cast<uint8_t>(command)});
}
NetResult<void> NetworkManager::SendStoredPayload(
    PeerId id, wire::Command command, const std::array<std::byte, wire::kFrameHeaderSize>& header,
    transport::FileSegment payload) {
  return impl_->SendFrame(id, {std::make_shared<const util::Bytes>(header.begin(), header.end()),
                               static_cast<uint8_t>(command), std::move(payload)});
}
transport::ZeroCopyCapabilities NetworkManager::GetZeroCopy() const {
  return transport::ProbeZeroCopy();
}
bool NetworkManager::ZeroCopySend() const { return impl_->ZeroCopySend(); }
std::optional<size_t> NetworkManager::SendQueueBytes(PeerId id) const {
  return impl_->SendQueueBytes(id);
}
size_t NetworkManager::TotalSendQueueBytes() const {
  return static_cast<size_t>(std::max<int64_t>(0, impl_->queued_send_bytes.load()));
}
transport::TlsStatus NetworkManager::GetTlsStatus() const { return impl_->GetTlsStatus(); }
NetResult<bool> NetworkManager::ReloadTlsCertificate() { return impl_->ReloadTlsCertificate(); }
size_t NetworkManager::Broadcast(const wire::Message& message, std::optional<PeerId> except) {
  return impl_->Broadcast(message, except);
}
size_t NetworkManager::BroadcastBlock(const primitives::Block& block) {
  return impl_->Broadcast(wire::BlockMessage{block}, std::nullopt);
}
size_t NetworkManager::BroadcastTransaction(const primitives::Transaction& tx) {
  return impl_->Broadcast(wire::TxMessage{tx}, std::nullopt);
}
void NetworkManager::SetOnBlock(BlockCallback callback) { impl_->on_block = std::move(callback); }
void NetworkManager::SetOnTransaction(TransactionCallback callback) {
  impl_->on_transaction = std::move(callback);
}
void NetworkManager::SetOnMessage(MessageCallback callback) {
  impl_->on_message = std::move(callback);
}
void NetworkManager::SetOnPeerConnected(PeerCallback callback) {
  impl_->on_connected = std::move(callback);
}
void NetworkManager::AddObserver(PeerObserver observer) { impl_->observers.push_back(std::move(observer)); }

void NetworkManager::SetOnPeerDisconnected(PeerCallback callback) {
  impl_->on_disconnected = std::move(callback);
}

}  // namespace parthenon::p2p

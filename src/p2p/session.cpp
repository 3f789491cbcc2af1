// One peer's session: the coroutine that owns the socket. Reader, writer and watchdog (the
// pinger, which also enforces every deadline) run under `||` on the peer's strand; the first to
// finish cancels the other two. Everything here is confined to the strand: no locks except the
// PeerHandle's (shared with the manager).
#include <fmt/format.h>
#include <algorithm>
#include <variant>

#include "p2p/detail/manager.h"
#include "p2p/detail/secure_channel.h"
#include "p2p/handlers/handshake.h"
#include "p2p/transport/rate_limiter.h"
#include "p2p/transport/zero_copy.h"
#include "p2p/wire/frame.h"

namespace parthenon::p2p::detail {
namespace {

using namespace asio::experimental::awaitable_operators;
using std::chrono::steady_clock;

// One gather write takes at most this much of the queue.
constexpr size_t kMaxBatchFrames = 1024;
constexpr size_t kMaxBatchBytes = 256 * 1024;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

Ending Unwrap(const Ending& ending) { return ending; }
template <class... T>
Ending Unwrap(const std::variant<T...>& v) {
  return std::visit([](const auto& inner) { return Unwrap(inner); }, v);
}

Ending FromError(const asio::error_code& ec) {
  if (ec == asio::error::eof) return {DisconnectReason::kPeerClosed, "eof"};
  if (ec == asio::error::operation_aborted) return {DisconnectReason::kShutdown, "cancelled"};
  return {DisconnectReason::kIoError, ec.message()};
}

uint8_t CommandIndex(std::string_view command) {
  auto found = wire::FindCommand(command);
  return static_cast<uint8_t>(found ? static_cast<size_t>(*found) : wire::kCommandCount);
}

// What a wire error says about the peer (the policy decides what that costs).
MisbehaviorKind KindOf(wire::Error error) {
  switch (error) {
    case wire::Error::kBadMagic: return MisbehaviorKind::kWrongNetwork;
    case wire::Error::kBadCommand:
    case wire::Error::kOversizeMessage:
    case wire::Error::kPayloadTooLarge: return MisbehaviorKind::kBadFrameHeader;
    case wire::Error::kBadChecksum: return MisbehaviorKind::kBadChecksum;
    case wire::Error::kTooManyEntries: return MisbehaviorKind::kOversizedMessage;
    case wire::Error::kTruncated:
    case wire::Error::kTrailingBytes:
    case wire::Error::kNonCanonicalCompactSize:
    case wire::Error::kBadTransaction:
    case wire::Error::kFieldTooLarge:
    case wire::Error::kHeadersTxCountNonZero: return MisbehaviorKind::kMalformedMessage;
  }
  return MisbehaviorKind::kMalformedMessage;
}

// Requests a peer makes of us: shaped by our send queue to it, not by the receive budget.
bool IsRequest(std::string_view command) {
  return command == "getdata" || command == "getheaders" || command == "getblocks" ||
         command == "mempool" || command == "getaddr";
}

class Session {
 public:
  Session(NetworkManager::Impl& manager, std::shared_ptr<PeerHandle> h, tcp::socket socket)
      : manager_(manager),
        options_(manager.options()),
        h_(std::move(h)),
        stream_(std::move(socket), Observer(manager, h_->id)),
        decoder_(options_.magic),
        handshake_(h_->direction, options_.min_peer_version),
        limiter_({options_.max_messages_per_second, options_.message_burst,
                  options_.max_bytes_per_second, options_.byte_burst,
                  options_.rate_abuse_window, options_.rate_abuse_fraction},
                 steady_clock::now()) {}

  asio::awaitable<bool> Run(std::optional<tcp::endpoint> dial) {
    Ending ending;
    if (dial) ending = co_await Connect(*dial);
    if (ending.reason == DisconnectReason::kNone) {
      ending = co_await NegotiateTransport(manager_, *h_, stream_);
    }
    if (ending.reason == DisconnectReason::kNone) {
      {
        util::MutexLock lock(h_->mutex);
        h_->info.state = PeerState::kHandshake;
      }
      started_ = last_receive_ = steady_clock::now();
      if (h_->direction == Direction::kOutbound) SendVersion();
      ending = Unwrap(co_await (ReadLoop() || WriteLoop() || Watchdog()));
    }
    stream_.Close();
    manager_.buffered_payload_bytes -= std::exchange(accounted_payload_, 0);
    if (local_nonce_) manager_.ForgetLocalNonce(*local_nonce_);
    manager_.OnSessionEnded(*h_, ending);
    co_return connected_;
  }

 private:
  static transport::WireObserver Observer(NetworkManager::Impl& manager, PeerId id) {
    if (!manager.options().wire_observer) return {};
    return [&manager, id](std::span<const std::byte> bytes) {
      manager.options().wire_observer(id, bytes);
    };
  }

  asio::awaitable<Ending> Connect(const tcp::endpoint& endpoint) {
    auto& socket_ = stream_.socket();
    asio::error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec && !options_.outbound_bind_address.empty()) {
      auto source = asio::ip::make_address(options_.outbound_bind_address, ec);
      if (!ec) socket_.bind(tcp::endpoint(source, 0), ec);
    }
    if (ec) co_return Ending{DisconnectReason::kConnectFailed, ec.message()};
    h_->watchdog_wake.expires_after(options_.connect_timeout);
    auto result = co_await (socket_.async_connect(endpoint, kAsTuple) ||
                            h_->watchdog_wake.async_wait(kAsTuple));
    if (result.index() == 0) {
      auto [connect_ec] = std::get<0>(result);
      if (connect_ec) co_return Ending{DisconnectReason::kConnectFailed, connect_ec.message()};
      socket_.set_option(tcp::no_delay(true), ec);
      co_return Ending{};
    }
    if (auto request = TakeCloseRequest()) co_return *request;
    co_return Ending{DisconnectReason::kConnectFailed, "connect timeout"};
  }

  bool TakePingRequest() {
    util::MutexLock lock(h_->mutex);
    return std::exchange(h_->ping_requested, false);
  }

  std::optional<Ending> TakeCloseRequest() {
    util::MutexLock lock(h_->mutex);
    return h_->close_request;
  }

  // ---- Reader ----

  asio::awaitable<Ending> ReadLoop() {
    std::vector<std::byte> buffer(kReadBufferSize);
    asio::steady_timer throttle(h_->strand);
    for (;;) {
      if (auto end = co_await WaitForPayloadBudget()) co_return *end;
      auto [ec, n] = co_await stream_.ReadSome(asio::buffer(buffer));
      if (ec) co_return FromError(ec);
      last_receive_ = steady_clock::now();
      util::ByteSpan data(buffer.data(), n);
      while (true) {
        data = data.subspan(decoder_.Feed(data));
        TrackPartialPayload();
        auto next = decoder_.Next();
        if (!next) {
          Misbehavior m{.kind = KindOf(next.error()), .wire_error = next.error()};
          if (next.error() == wire::Error::kBadMagic && !any_frame_) {
            // A BIP324 v2 initiator (64 bytes of ElligatorSwift key) or another network: close
            // without holding it against the address, so a v2 peer falls back to v1.
            m.detail = "not our network's v1 magic (v2 transport attempt or another network)";
          }
          if (auto end = Misbehaved(m)) co_return *end;
          if (decoder_.failed()) {  // the stream cannot resynchronise, whatever the policy said
            const DisconnectReason reason = RuleFor(m.kind).reason;
            co_return Ending{reason == DisconnectReason::kNone ? DisconnectReason::kMisbehavior : reason,
                             m.Describe()};
          }
          continue;
        }
        if (!*next) break;  // Feed took everything: need more bytes
        any_frame_ = true;
        if (auto end = HandleFrame(**next)) co_return *end;
        const bool request = IsRequest((**next).command);
        next = std::optional<wire::Frame>{};  // the frame's memory is not held while we wait
        if (request) {
          if (auto end = co_await WaitForSendRoom()) co_return *end;
        }
      }
      // Backpressure: over budget, stop reading until the buckets refill.
      const auto delay = limiter_.Delay(steady_clock::now());
      if (delay > std::chrono::nanoseconds{0}) {
        throttle.expires_after(delay);
        auto [wait_ec] = co_await throttle.async_wait(kAsTuple);
        if (wait_ec) co_return FromError(wait_ec);
        if (limiter_.RecordPause(delay, steady_clock::now())) {
          if (auto end = Misbehaved({.kind = MisbehaviorKind::kRateLimited,
                                     .detail = "unsolicited traffic above the receive budget"})) {
            co_return *end;
          }
        }
      }
    }
  }

  // Keeps the manager's total of buffered payload bytes and this message's deadline in step
  // with the decoder (called after every Feed).
  void TrackPartialPayload() {
    const auto capacity = static_cast<int64_t>(decoder_.payload_capacity());
    manager_.buffered_payload_bytes += capacity - accounted_payload_;
    accounted_payload_ = capacity;
    if (!decoder_.in_payload()) {
      partial_deadline_.reset();
      return;
    }
    if (partial_deadline_) return;
    const auto allowance = std::chrono::duration<double>(
        static_cast<double>(decoder_.payload_length()) / options_.min_payload_bytes_per_second);
    partial_deadline_ = steady_clock::now() + options_.partial_payload_timeout +
                        std::chrono::duration_cast<steady_clock::duration>(allowance);
    if (*partial_deadline_ < watchdog_wake_at_) h_->watchdog_wake.cancel();  // a nearer deadline
  }

  // In the middle of a payload whose buffer must still grow, while every session together holds
  // more than the budget: wait, and do not count the wait against this message's deadline. A
  // sender whose buffer is complete is never paused (it only has to send), so a staller that
  // sits on a full buffer runs out of time and frees its share; honest senders waiting for
  // budget are not dropped for the wait.
  //
  // The growth the next read may cause (the decoder at most doubles its buffer, by at least one
  // read, up to the announced length) is reserved in the total before reading, so all sessions
  // together never hold more than the budget; TrackPartialPayload settles the reservation.
  asio::awaitable<std::optional<Ending>> WaitForPayloadBudget() {
    asio::steady_timer wait(h_->strand);
    const auto budget = static_cast<int64_t>(options_.max_buffered_payload_bytes);
    for (;;) {
      if (!decoder_.in_payload() || decoder_.payload_capacity() >= decoder_.payload_length()) {
        co_return std::nullopt;
      }
      const size_t capacity = decoder_.payload_capacity();
      const auto growth = static_cast<int64_t>(
          std::min<size_t>(decoder_.payload_length(), std::max(2 * capacity, capacity + kReadBufferSize)) -
          capacity);
      const int64_t reserved = accounted_payload_ - static_cast<int64_t>(capacity);
      if (reserved >= growth) co_return std::nullopt;  // already reserved
      if (manager_.buffered_payload_bytes.load() + growth - reserved <= budget) {
        manager_.buffered_payload_bytes += growth - reserved;
        accounted_payload_ = static_cast<int64_t>(capacity) + growth;
        co_return std::nullopt;
      }
      const auto before = steady_clock::now();
      wait.expires_after(std::chrono::milliseconds(20));
      auto [ec] = co_await wait.async_wait(kAsTuple);
      if (ec) co_return FromError(ec);
      if (partial_deadline_) *partial_deadline_ += steady_clock::now() - before;
    }
  }

  // Bitcoin Core's fPauseSend: while our queue to the peer holds more than half its byte cap,
  // stop reading (its requests wait in the socket) until the writer drains it below a quarter.
  asio::awaitable<std::optional<Ending>> WaitForSendRoom() {
    for (;;) {
      {
        util::MutexLock lock(h_->mutex);
        if (h_->close_request) co_return std::nullopt;  // the watchdog ends the session
        if (h_->queue.bytes() <= options_.pause_reading_send_bytes) co_return std::nullopt;
        reader_paused_ = true;
      }
      h_->reader_wake.expires_at(steady_clock::time_point::max());
      auto [ec] = co_await h_->reader_wake.async_wait(kAsTuple);
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return FromError(ec);
      if (ec && ec != asio::error::operation_aborted) co_return FromError(ec);
    }
  }

  // Responses to our own requests are not charged against the receive budget: a block/tx per
  // getdata entry we sent (a notfound settles as many), a headers per getheaders, any pong.
  bool Solicited(const wire::Message& message) {
    util::MutexLock lock(h_->mutex);
    if (std::holds_alternative<wire::Pong>(message)) return true;
    // One getdata entry (a cmpctblock answers MSG_CMPCT_BLOCK) or one getblocktxn each.
    if (std::holds_alternative<wire::BlockMessage>(message) ||
        std::holds_alternative<wire::TxMessage>(message) ||
        std::holds_alternative<wire::CmpctBlock>(message) ||
        std::holds_alternative<wire::BlockTxn>(message)) {
      if (h_->solicited_items == 0) return false;
      --h_->solicited_items;
      return true;
    }
    if (const auto* notfound = std::get_if<wire::NotFound>(&message)) {
      if (h_->solicited_items == 0) return false;
      h_->solicited_items -= std::min<uint64_t>(h_->solicited_items, notfound->items.size());
      return true;
    }
    if (std::holds_alternative<wire::Headers>(message) && h_->solicited_headers > 0) {
      --h_->solicited_headers;
      return true;
    }
    return false;
  }

  std::optional<Ending> HandleFrame(wire::Frame& frame) {
    const size_t bytes = wire::kFrameHeaderSize + frame.payload.size();
    {
      util::MutexLock lock(h_->mutex);
      auto& stats = h_->received[CommandIndex(frame.command)];
      ++stats.messages;
      stats.bytes += bytes;
      h_->info.last_receive = options_.clock->Now();
      ++h_->info.messages_received;
      h_->info.bytes_received += bytes;
    }
    auto message = wire::DecodeMessage(frame.command, frame.payload);
    if (!message) {
      limiter_.OnMessage(bytes, steady_clock::now());  // garbage is never solicited
      return Misbehaved({.kind = KindOf(message.error()), .wire_error = message.error(),
                         .command = frame.command});
    }
    if (!IsRequest(frame.command) && !Solicited(*message)) {
      limiter_.OnMessage(bytes, steady_clock::now());
    }
    if (!connected_) return HandleHandshake(*message);
    return Dispatch(*message);
  }

  std::optional<Ending> HandleHandshake(const wire::Message& message) {
    const bool had_version = handshake_.peer_version().has_value();
    auto step = handshake_.OnMessage(
        message, [this](uint64_t nonce) { return manager_.IsLocalNonce(nonce); });
    if (step.reject) return Ending{*step.reject, step.detail};
    if (step.misbehavior) {
      if (auto end = Misbehaved(*step.misbehavior)) return end;
    }
    if (!had_version && handshake_.peer_version()) {
      const auto& version = *handshake_.peer_version();
      if (!manager_.RegisterRemoteNonce(*h_, version.nonce)) {
        return Ending{DisconnectReason::kDuplicate, "already connected (nonce)"};
      }
      util::MutexLock lock(h_->mutex);
      h_->info.version = version.version;
      h_->info.services = version.services;
      h_->info.user_agent = version.user_agent;
      h_->info.start_height = version.start_height;
      // A block-relay-only link carries no transactions either way, whatever the peer asked.
      h_->info.relay_txs = version.relay.value_or(true) &&
                           h_->connection_type != ConnectionType::kBlockRelay;
    }
    if (auto upgrade = UpgradeToTls()) return upgrade;
    if (step.send_version) SendVersion();
    if (step.send_verack) {
      // BIP339 and BIP155 announcements go between VERSION and VERACK.
      if (handshake_.peer_version()->version >= wire::kWtxidRelayVersion) Send(wire::WtxidRelay{});
      Send(wire::SendAddrV2{});
      Send(wire::Verack{});
    }
    if (step.complete) {
      {
        util::MutexLock lock(h_->mutex);
        h_->info.wtxid_relay = handshake_.peer_wtxid_relay() &&
                               handshake_.peer_version()->version >= wire::kWtxidRelayVersion;
        h_->info.addrv2 = handshake_.peer_addrv2();
      }
      connected_ = true;
      next_ping_ = steady_clock::now();  // measure latency at once
      manager_.OnHandshakeComplete(*h_);
      h_->watchdog_wake.cancel();  // new deadlines
    }
    return std::nullopt;
  }

  // Outbound plaintext link to a peer that advertises NODE_TLS while ours is optional: remember
  // the peer and end the link; the dialer reconnects over TLS.
  std::optional<Ending> UpgradeToTls() {
    const auto& version = *handshake_.peer_version();
    if (h_->direction != Direction::kOutbound || stream_.encrypted() ||
        options_.tls.mode != transport::TlsMode::kOptional ||
        (version.services & wire::kNodeTls) == 0) {
      return std::nullopt;
    }
    manager_.RememberTlsPeer(h_->address);
    return Ending{DisconnectReason::kTlsUpgrade, "peer accepts TLS; reconnecting over TLS"};
  }

  // `message` is consumed: a block or transaction is moved to its callback (after the observers
  // saw it), so a large decoded block exists once, not twice.
  std::optional<Ending> Dispatch(wire::Message& message) {
    return std::visit(
        Overloaded{
            [&](const wire::Ping& ping) -> std::optional<Ending> {
              Send(wire::Pong{ping.nonce});
              return std::nullopt;
            },
            [&](const wire::Pong& pong) -> std::optional<Ending> {
              if (auto rtt = ping_.OnPong(pong.nonce, steady_clock::now())) {
                util::MutexLock lock(h_->mutex);
                h_->info.ping = *rtt;
                h_->info.min_ping = h_->info.min_ping ? std::min(*h_->info.min_ping, *rtt) : *rtt;
                h_->watchdog_wake.cancel();  // the next deadline is the next ping
              }
              return std::nullopt;
            },
            [&](const wire::Version&) { return Duplicate(message); },
            [&](const wire::Verack&) { return Duplicate(message); },
            [&](wire::BlockMessage& block) -> std::optional<Ending> {
              NotifyObservers(message);
              if (manager_.on_block) manager_.on_block(h_->id, std::move(block.block));
              return std::nullopt;
            },
            [&](wire::TxMessage& tx) -> std::optional<Ending> {
              NotifyObservers(message);
              if (manager_.on_transaction) manager_.on_transaction(h_->id, std::move(tx.tx));
              return std::nullopt;
            },
            [&](const auto&) -> std::optional<Ending> {
              if (manager_.on_message) manager_.on_message(h_->id, message);
              NotifyObservers(message);
              return std::nullopt;
            },
        },
        message);
  }

  // Every observer sees every message after the handshake (block and tx included: the peer
  // database credits them).
  void NotifyObservers(const wire::Message& message) {
    for (const auto& observer : manager_.observers) {
      if (observer.on_message) observer.on_message(h_->id, message);
    }
  }

  std::optional<Ending> Duplicate(const wire::Message& message) {
    return Misbehaved({.kind = MisbehaviorKind::kDuplicateVersion,
                       .command = std::string(wire::CommandName(message))});
  }

  // Hands `m` to the manager's decision point; an Ending if the peer must go.
  std::optional<Ending> Misbehaved(const Misbehavior& m) {
    const Judgement judgement = manager_.Judge(*h_, m);
    if (judgement.verdict == Verdict::kIgnore) return std::nullopt;
    return Ending{judgement.reason, m.Describe()};
  }

  // ---- Writer ----

  void Send(const wire::Message& message) {
    transport::OutFrame frame{std::make_shared<const util::Bytes>(
                                  wire::EncodeFrame(options_.magic, message)),
                              static_cast<uint8_t>(message.index())};
    (void)manager_.Enqueue(h_, std::move(frame), /*on_strand=*/true);
  }

  void SendVersion() {
    wire::Version version;
    version.services = options_.services;
    version.timestamp = options_.clock->UnixSeconds();
    version.addr_recv.address = h_->address;
    version.addr_from.services = options_.services;
    version.nonce = manager_.RandomNonce();
    if (h_->direction == Direction::kOutbound) {
      local_nonce_ = version.nonce;
      manager_.RememberLocalNonce(version.nonce);
    }
    version.user_agent = options_.user_agent;
    version.start_height = options_.start_height ? options_.start_height() : 0;
    version.relay = h_->connection_type != ConnectionType::kBlockRelay;  // BIP37 flag
    Send(version);
  }

  asio::awaitable<Ending> WriteLoop() {
    std::vector<transport::OutFrame> batch;
    const bool use_sendfile = options_.zero_copy_send && transport::ProbeZeroCopy().sendfile;
    for (;;) {
      {
        util::MutexLock lock(h_->mutex);
        h_->queue.PopBatch(batch, kMaxBatchFrames, kMaxBatchBytes);
      }
      int64_t popped = 0;
      for (const auto& frame : batch) popped += static_cast<int64_t>(frame.size());
      manager_.queued_send_bytes -= popped;
      if (batch.empty()) {
        h_->writer_wake.expires_at(steady_clock::time_point::max());
        auto [ec] = co_await h_->writer_wake.async_wait(kAsTuple);
        if (ec && ec != asio::error::operation_aborted) co_return FromError(ec);
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) co_return FromError(ec);
        continue;
      }
      write_started_ = steady_clock::now();
      if (*write_started_ + options_.write_timeout < watchdog_wake_at_) h_->watchdog_wake.cancel();
      auto [ec, n] = co_await stream_.WriteFrames(batch, use_sendfile);
      write_started_.reset();
      if (ec) co_return FromWriteError(ec, batch);
      {
        util::MutexLock lock(h_->mutex);
        for (const auto& frame : batch) {
          auto& stats = h_->sent[frame.command_index];
          ++stats.messages;
          stats.bytes += frame.size();
        }
        h_->info.messages_sent += batch.size();
        h_->info.bytes_sent += n;
        h_->info.bytes_sent_by_sendfile = stream_.sendfile_bytes();
        h_->info.last_send = options_.clock->Now();
      }
      batch.clear();
      WakeReaderIfDrained();
      NotifyIfDrained();
    }
  }

  // A failed write; one that carried a stored block may have found its file cut short after it
  // was checked (the block store names the damage on the next read of it).
  Ending FromWriteError(const asio::error_code& ec, const std::vector<transport::OutFrame>& batch) {
    Ending ending = FromError(ec);
    if (ec == std::errc::io_error &&
        std::any_of(batch.begin(), batch.end(), [](const auto& frame) { return frame.file.has_value(); })) {
      ending.detail = "a stored block could not be read while it was being sent";
    }
    return ending;
  }

  void NotifyIfDrained() {
    {
      util::MutexLock lock(h_->mutex);
      if (!h_->queue.empty()) return;
    }
    for (const auto& observer : manager_.observers) {
      if (observer.on_send_drained) observer.on_send_drained(h_->id);
    }
  }

  void WakeReaderIfDrained() {
    if (!reader_paused_) return;
    {
      util::MutexLock lock(h_->mutex);
      if (h_->queue.bytes() > options_.pause_reading_send_bytes / 4) return;
    }
    reader_paused_ = false;
    h_->reader_wake.cancel();
  }

  // ---- Watchdog: deadlines and pings ----

  asio::awaitable<Ending> Watchdog() {
    for (;;) {
      if (auto request = TakeCloseRequest()) co_return *request;
      const auto now = steady_clock::now();
      auto next = last_receive_ + options_.inactivity_timeout;
      if (now >= next) co_return Ending{DisconnectReason::kInactivity, "no data received"};
      if (!connected_) {
        const auto deadline = started_ + options_.handshake_timeout;
        if (now >= deadline) co_return Ending{DisconnectReason::kHandshakeTimeout, ""};
        next = std::min(next, deadline);
      } else if (ping_.outstanding()) {
        const auto deadline = ping_.sent_at() + options_.ping_timeout;
        if (now >= deadline) co_return Ending{DisconnectReason::kPingTimeout, "no pong"};
        next = std::min(next, deadline);
      } else {
        if (TakePingRequest()) next_ping_ = now;
        if (now >= next_ping_) {
          const uint64_t nonce = manager_.RandomNonce();
          ping_.OnSent(nonce, now);
          next_ping_ = now + options_.ping_interval;
          Send(wire::Ping{nonce});
          continue;  // re-evaluate with the ping outstanding
        }
        next = std::min(next, next_ping_);
      }
      if (partial_deadline_) {
        if (now >= *partial_deadline_) {
          co_return Ending{DisconnectReason::kInactivity,
                           fmt::format("a {}-byte message stalled before its end",
                                       decoder_.payload_length())};
        }
        next = std::min(next, *partial_deadline_);
      }
      if (write_started_) {
        const auto deadline = *write_started_ + options_.write_timeout;
        if (now >= deadline) co_return Ending{DisconnectReason::kWriteTimeout, "peer not reading"};
        next = std::min(next, deadline);
      }
      watchdog_wake_at_ = next;
      h_->watchdog_wake.expires_at(next);
      auto [ec] = co_await h_->watchdog_wake.async_wait(kAsTuple);
      if (ec && ec != asio::error::operation_aborted) co_return FromError(ec);
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) {
        co_return Ending{DisconnectReason::kShutdown, "cancelled"};
      }
    }
  }

  NetworkManager::Impl& manager_;
  const NetworkManager::Options& options_;
  const std::shared_ptr<PeerHandle> h_;
  transport::PeerStream stream_;
  wire::FrameDecoder decoder_;
  handlers::Handshake handshake_;
  handlers::PingTracker ping_;
  transport::ReceiveRateLimiter limiter_;
  bool connected_ = false;
  bool any_frame_ = false;      // a whole frame arrived (so a bad magic is not a v2 attempt)
  bool reader_paused_ = false;  // the reader waits in WaitForSendRoom
  int64_t accounted_payload_ = 0;  // this session's share of manager_.buffered_payload_bytes
  std::optional<SteadyTime> partial_deadline_;  // a payload is arriving: it must end by then
  std::optional<uint64_t> local_nonce_;  // our VERSION nonce (outbound), for self-detection
  SteadyTime started_{};
  SteadyTime last_receive_{};
  SteadyTime next_ping_{};
  SteadyTime watchdog_wake_at_ = SteadyTime::max();
  std::optional<SteadyTime> write_started_;
};

}  // namespace

asio::awaitable<bool> RunSession(NetworkManager::Impl& manager, std::shared_ptr<PeerHandle> h,
                                 tcp::socket socket, std::optional<tcp::endpoint> dial) {
  Session session(manager, std::move(h), std::move(socket));
  co_return co_await session.Run(dial);
}

}  // namespace parthenon::p2p::detail

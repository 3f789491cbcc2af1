// Plaintext-or-TLS negotiation of one session (see detail/secure_channel.h).
#include "p2p/detail/secure_channel.h"

#include <variant>

#include "p2p/transport/tls_context.h"

namespace parthenon::p2p::detail {
namespace {

using namespace asio::experimental::awaitable_operators;

// First byte of a TLS record carrying a handshake message (ClientHello).
constexpr std::byte kTlsHandshakeRecord{0x16};

Ending TimedOutOrClosed(PeerHandle& h, std::string_view what) {
  util::MutexLock lock(h.mutex);
  if (h.close_request) return *h.close_request;
  return Ending{DisconnectReason::kHandshakeTimeout, std::string(what)};
}

Ending FromError(const asio::error_code& ec) {
  if (ec == asio::error::eof) return {DisconnectReason::kPeerClosed, "eof"};
  if (ec == asio::error::operation_aborted) return {DisconnectReason::kShutdown, "cancelled"};
  return {DisconnectReason::kIoError, ec.message()};
}

// Inbound: is the peer starting a TLS handshake? nullopt with `ending` set if it went away.
asio::awaitable<std::variant<bool, Ending>> SniffTls(NetworkManager::Impl& manager, PeerHandle& h,
                                                     transport::PeerStream& stream) {
  std::byte first{};
  h.watchdog_wake.expires_after(manager.options().handshake_timeout);
  auto result = co_await (stream.socket().async_receive(asio::buffer(&first, 1),
                                                        asio::socket_base::message_peek,
                                                        kAsTuple) ||
                          h.watchdog_wake.async_wait(kAsTuple));
  if (result.index() == 1) co_return TimedOutOrClosed(h, "nothing received");
  auto [ec, n] = std::get<0>(result);
  if (ec) co_return FromError(ec);
  co_return first == kTlsHandshakeRecord;
}

}  // namespace

asio::awaitable<Ending> NegotiateTransport(NetworkManager::Impl& manager, PeerHandle& h,
                                           transport::PeerStream& stream) {
  const auto& options = manager.options();
  const auto mode = options.tls.mode;
  if (mode == transport::TlsMode::kOff) co_return Ending{};
  const bool server = h.direction == Direction::kInbound;
  if (server) {
    auto sniffed = co_await SniffTls(manager, h, stream);
    if (auto* ending = std::get_if<Ending>(&sniffed)) co_return *ending;
    if (!std::get<bool>(sniffed)) {
      if (mode == transport::TlsMode::kRequired) {
        co_return Ending{DisconnectReason::kTlsRequired, "plaintext refused: TLS is required"};
      }
      co_return Ending{};
    }
  } else if (mode != transport::TlsMode::kRequired && !manager.KnowsTlsPeer(h.address)) {
    co_return Ending{};
  }

  auto context = manager.CurrentTls();
  const auto pins = context->PinsFor(h.address.HostString(), h.address.ToString());
  const bool verify = context->has_ca() || !pins.empty();
  stream.StartTls(context, server, verify);
  h.watchdog_wake.expires_after(options.handshake_timeout);
  auto result = co_await (stream.Handshake(server) || h.watchdog_wake.async_wait(kAsTuple));
  if (result.index() == 1) co_return TimedOutOrClosed(h, "TLS handshake timeout");

  std::optional<std::string> failure;
  if (auto ec = std::get<0>(result)) {
    failure = transport::TlsContext::VerifyFailure(stream.ssl())
                  .value_or("TLS handshake failed: " + ec.message());
  } else {
    failure = transport::TlsContext::CheckPins(stream.ssl(), pins);
  }
  if (failure) {
    if (server) {
      manager.PeerDebug(h.id, "TLS refused {}: {}", h.address.ToString(), *failure);
    } else {
      util::Log(util::LogCategory::kNet)
          .warn("peer={} TLS refused {}: {}", h.id, h.address.ToString(), *failure);
    }
    co_return Ending{DisconnectReason::kTlsFailed, *failure};
  }
  const auto details = transport::TlsContext::Describe(stream.ssl());
  manager.PeerDebug(h.id, "TLS {} {} peer key sha256:{}", details.version, details.cipher,
                    details.fingerprint);
  util::MutexLock lock(h.mutex);
  h.info.encrypted = true;
  h.info.tls_version = details.version;
  h.info.tls_cipher = details.cipher;
  h.info.peer_key_fingerprint = details.fingerprint;
  co_return Ending{};
}

}  // namespace parthenon::p2p::detail

#include "p2p/handlers/handshake.h"

#include <fmt/format.h>
#include <variant>

namespace parthenon::p2p::handlers {
namespace {

Handshake::Step Unexpected(const wire::Message& message, std::string_view when) {
  Handshake::Step step;
  Misbehavior misbehavior;
  misbehavior.kind = MisbehaviorKind::kUnexpectedMessage;
  misbehavior.command = std::string(wire::CommandName(message));
  step.misbehavior = std::move(misbehavior);
  step.detail = fmt::format("unexpected {} {}", wire::CommandName(message), when);
  return step;
}

}  // namespace

Handshake::Step Handshake::OnMessage(const wire::Message& message,
                                     const std::function<bool(uint64_t)>& is_local_nonce) {
  switch (state_) {
    case State::kAwaitVersion:
      if (const auto* version = std::get_if<wire::Version>(&message)) {
        return OnVersion(*version, is_local_nonce);
      }
      return Unexpected(message, "before version");
    case State::kAwaitVerack:
      if (std::holds_alternative<wire::Verack>(message)) {
        state_ = State::kComplete;
        return Step{.complete = true};
      }
      if (std::holds_alternative<wire::WtxidRelay>(message)) {
        peer_wtxid_relay_ = true;
        return Step{};
      }
      if (std::holds_alternative<wire::SendAddrV2>(message)) {
        peer_addrv2_ = true;
        return Step{};
      }
      // Feature negotiation we do not know (sendtxrcncl, ...): Core sends several.
      if (std::holds_alternative<wire::Unknown>(message)) return Step{};
      return Unexpected(message, "before verack");
    case State::kComplete:
      return Unexpected(message, "after the handshake");
  }
  return Step{};
}

Handshake::Step Handshake::OnVersion(const wire::Version& version,
                                     const std::function<bool(uint64_t)>& is_local_nonce) {
  Step step;
  if (version.version < min_peer_version_) {
    step.reject = DisconnectReason::kObsoleteVersion;
    step.detail = fmt::format("version {} < {}", version.version, min_peer_version_);
    return step;
  }
  if (direction_ == Direction::kInbound && is_local_nonce && is_local_nonce(version.nonce)) {
    step.reject = DisconnectReason::kSelfConnection;
    step.detail = "connected to self (nonce match)";
    return step;
  }
  peer_version_ = version;
  state_ = State::kAwaitVerack;
  step.send_version = direction_ == Direction::kInbound;
  step.send_verack = true;
  return step;
}

}  // namespace parthenon::p2p::handlers

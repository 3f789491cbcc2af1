#include "p2p/policy.h"

#include <algorithm>
#include <array>

namespace parthenon::p2p {
namespace {

using K = MisbehaviorKind;
using V = Verdict;
using R = DisconnectReason;

// The one mapping from what a peer did to what happens to it. Indexed by MisbehaviorKind (the
// static_assert below keeps the order honest). docs/networking.md reproduces this table.
constexpr std::array kRules = {
    MisbehaviorRule{K::kWrongNetwork, 100, V::kDisconnect, R::kWrongNetwork,
                    "disconnect (wrong message start; a v2 key when v2 is off)"},
    MisbehaviorRule{K::kBadFrameHeader, 100, V::kDisconnect, R::kMisbehavior,
                    "disconnect (header error, size above MAX_PROTOCOL_MESSAGE_LENGTH)"},
    MisbehaviorRule{K::kBadChecksum, 0, V::kIgnore, R::kNone, "drop the message (CHECKSUM ERROR)"},
    MisbehaviorRule{K::kMalformedMessage, 0, V::kIgnore, R::kNone,
                    "drop the message (deserialization error logged)"},
    MisbehaviorRule{K::kOversizedMessage, 100, V::kDiscourage, R::kDiscouraged,
                    "Misbehaving: discourage (addr/inv/getdata/headers above their caps)"},
    MisbehaviorRule{K::kUnexpectedMessage, 0, V::kIgnore, R::kNone,
                    "ignored (non-version message before version)"},
    MisbehaviorRule{K::kDuplicateVersion, 0, V::kIgnore, R::kNone, "ignored (redundant version)"},
    MisbehaviorRule{K::kRateLimited, 50, V::kDiscourage, R::kDiscouraged,
                    "no message rate limit (reads pause on a full send buffer)"},
    MisbehaviorRule{K::kInvalidBlock, 100, V::kDiscourage, R::kDiscouraged,
                    "Misbehaving: discourage (BLOCK_CONSENSUS, mutated, invalid prev)"},
    MisbehaviorRule{K::kInvalidHeaders, 100, V::kDiscourage, R::kDiscouraged,
                    "Misbehaving: discourage (invalid header, non-continuous headers)"},
    MisbehaviorRule{K::kInvalidTransaction, 100, V::kDiscourage, R::kDiscouraged,
                    "Misbehaving: discourage (TX_CONSENSUS only, never policy)"},
    MisbehaviorRule{K::kUnconnectingHeaders, 100, V::kDisconnect, R::kMisbehavior,
                    "getheaders again; no penalty (Core 28+)"},
    MisbehaviorRule{K::kWrongChain, 100, V::kDisconnect, R::kWrongChain,
                    "outbound: disconnected if its chain lacks minimum work"},
    MisbehaviorRule{K::kLowWorkData, 10, V::kDisconnect, R::kMisbehavior,
                    "not stored (AcceptBlock / headers presync); no penalty"},
    MisbehaviorRule{K::kUnresponsive, 0, V::kIgnore, R::kNone,
                    "re-request elsewhere; stalling block download peer disconnected"},
};
static_assert([] {
  for (size_t i = 0; i < kRules.size(); ++i) {
    if (static_cast<size_t>(kRules[i].kind) != i) return false;
  }
  return kRules.back().kind == K::kUnresponsive;
}());

}  // namespace

std::string_view ToString(Verdict verdict) {
  switch (verdict) {
    case Verdict::kIgnore: return "ignore";
    case Verdict::kDisconnect: return "disconnect";
    case Verdict::kDiscourage: return "discourage";
    case Verdict::kBan: return "ban";
  }
  return "?";
}

const MisbehaviorRule& RuleFor(MisbehaviorKind kind) {
  return kRules[static_cast<size_t>(kind)];
}

std::span<const MisbehaviorRule> MisbehaviorRules() { return kRules; }

PeerPolicy::PeerPolicy(Options options) : store_(options.store) {
  for (const auto& entry : options.whitelist) {
    if (auto subnet = Subnet::Parse(entry)) whitelist_.push_back(*subnet);
  }
}

bool PeerPolicy::IsWhitelisted(const wire::NetAddress& address) const {
  return std::any_of(whitelist_.begin(), whitelist_.end(),
                     [&](const Subnet& s) { return s.Contains(address); });
}

bool PeerPolicy::IsBanned(const wire::NetAddress& address) const {
  return store_ && !IsWhitelisted(address) && store_->IsBanned(address);
}

Judgement PeerPolicy::Judge(const PeerContext& peer, const Misbehavior& misbehavior) {
  const MisbehaviorRule& rule = RuleFor(misbehavior.kind);
  if (misbehavior.kind == MisbehaviorKind::kUnresponsive && store_) {
    store_->RecordStall(peer.address);
  }
  if (rule.weight == 0) return {Verdict::kIgnore, R::kNone, ScoreOf(peer.id)};  // logged only
  int score = 0;
  {
    util::MutexLock lock(mutex_);
    int& accumulated = scores_[peer.id];
    accumulated = std::min(accumulated + rule.weight, 10 * kMisbehaviorThreshold);
    score = accumulated;
  }
  if (score < kMisbehaviorThreshold) return {Verdict::kIgnore, R::kNone, score};
  const Verdict verdict = Escalate(peer, rule, misbehavior);
  switch (verdict) {
    case Verdict::kIgnore: return {verdict, R::kNone, score};
    case Verdict::kDisconnect:
      return {verdict, rule.verdict == Verdict::kDisconnect ? rule.reason : R::kMisbehavior, score};
    case Verdict::kDiscourage: return {verdict, R::kDiscouraged, score};
    case Verdict::kBan: return {verdict, R::kBanned, score};
  }
  return {verdict, rule.reason, score};
}

// Carries out the lasting part of the rule's verdict; returns the verdict for the link.
Verdict PeerPolicy::Escalate(const PeerContext& peer, const MisbehaviorRule& rule,
                             const Misbehavior& m) {
  const bool protected_peer = peer.manual || IsWhitelisted(peer.address);
  switch (rule.verdict) {
    case Verdict::kIgnore: return Verdict::kIgnore;
    case Verdict::kDisconnect:
      if (rule.kind == MisbehaviorKind::kWrongChain && store_) store_->RecordWrongChain(peer.address);
      return Verdict::kDisconnect;
    case Verdict::kDiscourage:
    case Verdict::kBan:
      if (protected_peer || !store_) return Verdict::kDisconnect;
      if (store_->RecordViolation(peer.address, m.Describe())) return Verdict::kBan;
      return rule.verdict == Verdict::kBan ? Verdict::kBan : Verdict::kDiscourage;
  }
  return Verdict::kDisconnect;
}

void PeerPolicy::Forget(PeerId id) {
  util::MutexLock lock(mutex_);
  scores_.erase(id);
}

int PeerPolicy::ScoreOf(PeerId id) const {
  util::MutexLock lock(mutex_);
  auto it = scores_.find(id);
  return it == scores_.end() ? 0 : it->second;
}

bool PeerPolicy::Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
                     std::string_view reason) {
  if (!store_) return false;
  store_->Ban(subnet, duration, reason);
  return true;
}

bool PeerPolicy::Unban(const Subnet& subnet) { return store_ && store_->Unban(subnet); }

}  // namespace parthenon::p2p

// PeerPolicy: the one place where misbehaviour is judged and admission is decided.
//
// Whoever finds something wrong with a peer (the session, a message handler) reports a
// Misbehavior: a kind and a weight. The policy accumulates the weights per connection and maps
// them, through one table (kMisbehaviorRules in policy.cpp, documented in docs/networking.md),
// to a verdict and a disconnect reason:
//
//   kIgnore      the peer stays; the report is logged (debug, rate-limited). Protocol oddities
//                that honest software produces (a bad checksum, ping before version, a second
//                verack, a late block) end here.
//   kDisconnect  the link closes; nothing is held against the address (wrong network, a v2
//                transport attempt, a peer on another chain, too many non-connecting headers).
//   kDiscourage  the link closes and the address is charged a protocol violation in the store;
//                every kViolationsPerBan-th violation bans it (the seed's 5 violations -> 24 h).
//                Only clear malice gets here: consensus-invalid blocks, headers or
//                transactions, counts above the protocol caps, spam after a warning.
//   kBan         the link closes and the address is banned now (the store said so).
//
// A kind's weight is added to the connection's score; the kind's verdict applies once the score
// reaches kMisbehaviorThreshold (weight 100: at once; 0: never, the report is only logged).
// Manual peers (--addnode, --connect, the addnode RPC) and whitelisted addresses are never
// discouraged or banned: their worst verdict is kDisconnect.
//
// Lasting consequences (violations, bans, wrong-chain marks, stall penalties) live in a
// PeerStore, which the peer database implements; without one the policy only disconnects.
//
// Thread-safety: thread-safe (the manager calls it from every peer's strand). Never blocks on
// the network and never calls back into the NetworkManager. The store must be thread-safe and
// outlive the policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2p/peer.h"
#include "p2p/peerdb/subnet.h"
#include "p2p/wire/net_address.h"
#include "util/mutex.h"

namespace parthenon::p2p {

enum class Verdict { kIgnore, kDisconnect, kDiscourage, kBan };
std::string_view ToString(Verdict verdict);

// A connection's accumulated score at which its kinds' verdicts apply (Bitcoin Core's 100).
inline constexpr int kMisbehaviorThreshold = 100;

// One row of the table: what a kind weighs and what it leads to.
struct MisbehaviorRule {
  MisbehaviorKind kind;
  int weight;                // added to the connection's score per report
  Verdict verdict;           // once the score reaches kMisbehaviorThreshold
  DisconnectReason reason;   // the disconnect reason of that verdict
  std::string_view core;     // what Bitcoin Core does, for the docs table
};
const MisbehaviorRule& RuleFor(MisbehaviorKind kind);
// Every rule, in MisbehaviorKind order (the docs table and tests walk it).
std::span<const MisbehaviorRule> MisbehaviorRules();

// The judged peer.
struct PeerContext {
  PeerId id = 0;
  wire::NetAddress address;
  Direction direction = Direction::kInbound;
  bool manual = false;  // --addnode/--connect/addnode RPC: never discouraged or banned
};

struct Judgement {
  Verdict verdict = Verdict::kIgnore;
  DisconnectReason reason = DisconnectReason::kNone;  // kNone for kIgnore
  int score = 0;                                      // the connection's score after the report
  bool operator==(const Judgement&) const = default;
};

// Where the policy keeps what outlives a connection. Implementations are thread-safe.
class PeerStore {
 public:
  virtual ~PeerStore() = default;
  virtual bool IsBanned(const wire::NetAddress& address) const = 0;
  // Charges one protocol violation; true if the address is banned as a result.
  virtual bool RecordViolation(const wire::NetAddress& address, std::string_view why) = 0;
  // The peer follows another chain: not dialled again for a long while (no violation).
  virtual void RecordWrongChain(const wire::NetAddress& address) = 0;
  // A request the peer did not answer in time: a small score penalty (no violation).
  virtual void RecordStall(const wire::NetAddress& address) = 0;
  // setban: bans an IP or subnet until now + duration (nullopt: the store's default).
  virtual void Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
                   std::string_view reason) = 0;
  virtual bool Unban(const Subnet& subnet) = 0;
};

class PeerPolicy {
 public:
  struct Options {
    PeerStore* store = nullptr;          // nullptr: nothing outlives a connection
    std::vector<std::string> whitelist;  // IPs or subnets (unparsable entries are ignored)
  };
  PeerPolicy() : PeerPolicy(Options{}) {}
  explicit PeerPolicy(Options options);
  virtual ~PeerPolicy() = default;
  PeerPolicy(const PeerPolicy&) = delete;
  PeerPolicy& operator=(const PeerPolicy&) = delete;

  // Admission: true if a connection to or from `address` must be refused. The only ban check
  // (accept, every dial, AddPeer, setban's sweep of open links).
  virtual bool IsBanned(const wire::NetAddress& address) const;
  bool IsWhitelisted(const wire::NetAddress& address) const;

  // Judges one report against the peer; the caller carries out the verdict.
  virtual Judgement Judge(const PeerContext& peer, const Misbehavior& misbehavior);
  // The connection ended: forget its score.
  void Forget(PeerId id);
  // The connection's score so far (0 for an unknown id).
  int ScoreOf(PeerId id) const;

  // setban / unban through the store (false without a store, or nothing to unban).
  bool Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
           std::string_view reason);
  bool Unban(const Subnet& subnet);

 private:
  Verdict Escalate(const PeerContext& peer, const MisbehaviorRule& rule, const Misbehavior& m);

  // Constant after construction.
  PeerStore* const store_;
  std::vector<Subnet> whitelist_;

  mutable util::Mutex mutex_;
  std::map<PeerId, int> scores_ GUARDED_BY(mutex_);
};

}  // namespace parthenon::p2p

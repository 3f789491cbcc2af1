#include "p2p/peerdb/selection.h"

#include <algorithm>
#include <map>
#include <set>

#include "p2p/peerdb/netgroup.h"

namespace parthenon::p2p {
namespace {
template <class T>
std::string GroupOf(const T& item) {
  return item.group.empty() ? NetGroup(item.address) : item.group;
}
}  // namespace

std::optional<wire::NetAddress> SelectOutbound(std::span<const OutboundCandidate> candidates,
                                               std::span<const OutboundPeer> current,
                                               const SelectionRules& rules) {
  std::set<std::string> groups;
  std::set<std::string> countries;
  std::map<std::string, size_t> per_source;
  std::set<wire::NetAddress> connected;
  for (const auto& peer : current) {
    groups.insert(GroupOf(peer));
    if (!peer.country.empty()) countries.insert(peer.country);
    if (!peer.source_group.empty()) ++per_source[peer.source_group];
    connected.insert(peer.address);
  }
  const OutboundCandidate* best = nullptr;
  bool best_new_country = false;
  for (const auto& c : candidates) {
    if (c.address.port() == 0 || connected.contains(c.address)) continue;
    if (groups.contains(GroupOf(c))) continue;
    if (c.last_attempt != 0 && rules.now - c.last_attempt < rules.retry_after_seconds) continue;
    if (!c.source_group.empty() && per_source[c.source_group] >= rules.max_per_source_group) {
      continue;
    }
    const bool new_country = !c.country.empty() && !countries.contains(c.country);
    if (best == nullptr || c.score > best->score ||
        (c.score == best->score &&
         (new_country > best_new_country ||
          (new_country == best_new_country && c.address < best->address)))) {
      best = &c;
      best_new_country = new_country;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->address;
}

namespace {

// Removes up to `count` candidates that sort first under `better` (they are protected); ties
// go to the lower id (the earlier connection). (No stable_sort: with clang and libstdc++ 12 it
// trips a deprecation warning.)
template <class Better>
void Protect(std::vector<EvictionCandidate>& list, size_t count, Better better) {
  std::sort(list.begin(), list.end(), [&](const EvictionCandidate& a, const EvictionCandidate& b) {
    if (better(a, b)) return true;
    if (better(b, a)) return false;
    return a.id < b.id;
  });
  list.erase(list.begin(), list.begin() + static_cast<ptrdiff_t>(std::min(count, list.size())));
}

}  // namespace

std::optional<PeerId> SelectNodeToEvict(std::vector<EvictionCandidate> candidates,
                                        const EvictionRules& rules) {
  std::erase_if(candidates, [](const EvictionCandidate& c) { return c.protected_peer; });
  if (candidates.empty()) return std::nullopt;
  // (1) Banned-adjacent peers first.
  const auto worst = std::min_element(
      candidates.begin(), candidates.end(),
      [](const EvictionCandidate& a, const EvictionCandidate& b) { return a.score < b.score; });
  if (worst->score < rules.low_score) return worst->id;

  // (2) Protection. Netgroups: one peer (the longest connected) from each of the first groups.
  {
    std::map<std::string, const EvictionCandidate*> oldest_per_group;
    for (const auto& c : candidates) {
      auto& slot = oldest_per_group[NetGroup(c.address)];
      if (!slot || c.connected_since < slot->connected_since) slot = &c;
    }
    std::set<PeerId> keep;
    for (const auto& [group, c] : oldest_per_group) {
      if (keep.size() == rules.protect_netgroups) break;
      keep.insert(c->id);
    }
    std::erase_if(candidates, [&](const EvictionCandidate& c) { return keep.contains(c.id); });
  }
  Protect(candidates, rules.protect_ping,
          [](const auto& a, const auto& b) { return a.min_ping < b.min_ping; });
  Protect(candidates, rules.protect_tx,
          [](const auto& a, const auto& b) { return a.last_tx > b.last_tx; });
  Protect(candidates, rules.protect_block,
          [](const auto& a, const auto& b) { return a.last_block > b.last_block; });
  Protect(candidates, candidates.size() / 2,
          [](const auto& a, const auto& b) { return a.connected_since < b.connected_since; });
  if (candidates.empty()) return std::nullopt;

  // (3) Largest netgroup; ties: the group holding the youngest connection. Evict its youngest.
  std::map<std::string, std::vector<const EvictionCandidate*>> groups;
  for (const auto& c : candidates) groups[NetGroup(c.address)].push_back(&c);
  const std::vector<const EvictionCandidate*>* chosen = nullptr;
  int64_t chosen_youngest = 0;
  for (const auto& [group, members] : groups) {
    int64_t youngest = 0;
    for (const auto* c : members) youngest = std::max(youngest, c->connected_since);
    if (!chosen || members.size() > chosen->size() ||
        (members.size() == chosen->size() && youngest > chosen_youngest)) {
      chosen = &members;
      chosen_youngest = youngest;
    }
  }
  const auto* victim = *std::max_element(
      chosen->begin(), chosen->end(), [](const EvictionCandidate* a, const EvictionCandidate* b) {
        return a->connected_since < b->connected_since;
      });
  return victim->id;
}

}  // namespace parthenon::p2p

// AddrMan: Bitcoin Core's address manager tables, kept beside the peer database's scored
// records (PeerDatabase owns one and persists which table each record is in).
//
//   "new"   1024 buckets × 64: addresses heard of. An address goes to one of the 64 buckets its
//           (source group, address group) pair maps to, so one gossiping group reaches at most
//           64 buckets and one address group at most 64 × (source groups) slots. An address
//           may sit in up to 8 new slots (each further reference is half as likely).
//   "tried" 256 buckets × 64: addresses we have connected to. Each address group maps to
//           8 buckets. A tried slot already held by another address is not overwritten at
//           once (test-before-evict): the pair is queued as a collision, a feeler tests the
//           occupant, and only an occupant that failed or was not reachable within the test
//           window gives way (the occupant then goes back to a new slot).
//
// Bucket and slot choice follows Core's scheme (hash of secret and groups → bucket index
// within the group's share, then bucket, then slot), with our own hash: the first 8 bytes of
// SHA-256(tag "parthenon/addrman" ‖ secret ‖ fields). The secret is per node (persisted by the
// database), so an attacker cannot compute which slots its addresses land in.
//
// Thread-compatible: PeerDatabase calls it under its own mutex.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

enum class AddrTable : uint8_t { kNone = 0, kNew = 1, kTried = 2 };

class AddrMan {
 public:
  static constexpr uint32_t kNewBuckets = 1024;
  static constexpr uint32_t kTriedBuckets = 256;
  static constexpr uint32_t kBucketSize = 64;
  static constexpr uint32_t kTriedBucketsPerGroup = 8;
  static constexpr uint32_t kNewBucketsPerSourceGroup = 64;
  static constexpr uint32_t kNewBucketsPerAddress = 8;
  static constexpr size_t kMaxCollisions = 10;
  static constexpr int64_t kReplacementSeconds = 4 * 3600;  // an occupant that worked this recently stays
  static constexpr int64_t kTestWindowSeconds = 40 * 60;    // a collision not tested by then: evict
  using Secret = std::array<std::byte, 32>;
  // The group of an address (netgroup or AS text; see PeerDatabase::GroupOf).
  using GroupFn = std::function<std::string(const wire::NetAddress&)>;
  using Rng = std::mt19937_64;

  struct Entry {
    std::string source_group;
    int64_t last_seen = 0;     // Unix seconds (gossiped time or connection)
    int64_t last_try = 0;
    int64_t last_success = 0;
    uint32_t attempts = 0;     // dials since the last success
    bool tried = false;
    std::vector<uint32_t> new_slots;  // bucket * kBucketSize + position, ≤ kNewBucketsPerAddress
  };

  AddrMan(const Secret& secret, GroupFn group);

  // Adds (or adds one more new slot for) `address` heard from `source_group` ("" = its own
  // group: config, DNS, self-announcement). True if it took a new slot.
  bool Add(const wire::NetAddress& address, const std::string& source_group, int64_t seen,
           int64_t now, Rng& rng);
  enum class GoodResult { kMoved, kAlreadyTried, kCollision, kUnknown };
  // A connection to `address` succeeded: move it to tried (test-before-evict on a collision).
  GoodResult Good(const wire::NetAddress& address, int64_t now);
  // An outbound dial to `address` is being made (counted until the next success).
  void Attempt(const wire::NetAddress& address, int64_t now);
  void Remove(const wire::NetAddress& address);

  // One address with Core's bias: tried or new with even odds (or only new), then random
  // slots accepted with probability chance × 1.2^rejections, where chance falls for recent
  // and repeated failed attempts. nullopt when the chosen tables are empty.
  std::optional<wire::NetAddress> Select(bool new_only, int64_t now, Rng& rng) const;
  // Settles queued collisions as described above; returns how many were settled.
  size_t ResolveCollisions(int64_t now);
  // The tried occupant a feeler should test for one queued collision, if any.
  std::optional<wire::NetAddress> CollisionToTest(Rng& rng) const;

  // Re-inserts an entry loaded from storage into the table it was in (tried first by the
  // caller's order; a tried slot already taken puts it in new instead).
  void Restore(const wire::NetAddress& address, const Entry& entry, bool tried);

  AddrTable TableOf(const wire::NetAddress& address) const;
  const Entry* Find(const wire::NetAddress& address) const;
  size_t NewCount() const { return new_count_; }
  size_t TriedCount() const { return tried_count_; }
  // Buckets in use (diagnostics and tests).
  size_t UsedNewBuckets() const;
  // Addresses whose table (TableOf) may have changed since the last call, for the owner to
  // persist. Cleared by the call.
  std::vector<wire::NetAddress> TakeChanged() { return std::exchange(changed_, {}); }

  // Core's hashing scheme, exposed for tests.
  uint32_t NewBucket(const wire::NetAddress& address, const std::string& source_group) const;
  uint32_t TriedBucket(const wire::NetAddress& address) const;
  uint32_t Position(bool is_new, uint32_t bucket, const wire::NetAddress& address) const;

 private:
  uint64_t Hash(std::initializer_list<std::string_view> fields) const;
  static bool IsTerrible(const Entry& entry, int64_t now);
  static double Chance(const Entry& entry, int64_t now);
  std::string SourceOf(const wire::NetAddress& address, const Entry& entry) const;
  void ClearNewSlot(uint32_t slot);
  uint32_t TriedSlot(const wire::NetAddress& address) const;
  void PlaceTried(const wire::NetAddress& address, Entry& entry);
  void PlaceNew(const wire::NetAddress& address, Entry& entry, uint32_t slot);

  const Secret secret_;
  const GroupFn group_;
  std::map<wire::NetAddress, Entry> entries_;
  std::vector<std::optional<wire::NetAddress>> new_table_;    // kNewBuckets * kBucketSize
  std::vector<std::optional<wire::NetAddress>> tried_table_;  // kTriedBuckets * kBucketSize
  std::vector<wire::NetAddress> collisions_;  // new addresses waiting for a tried slot
  std::vector<wire::NetAddress> changed_;
  size_t new_count_ = 0;
  size_t tried_count_ = 0;
};

}  // namespace parthenon::p2p

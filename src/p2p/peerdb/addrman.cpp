#include "p2p/peerdb/addrman.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "crypto/sha256.h"

namespace parthenon::p2p {
namespace {

constexpr std::string_view kHashTag = "parthenon/addrman";

std::string AddressKey(const wire::NetAddress& address) {
  std::string key(reinterpret_cast<const char*>(address.ip().data()), address.ip().size());
  key.push_back(static_cast<char>(address.port() >> 8));
  key.push_back(static_cast<char>(address.port() & 0xFF));
  return key;
}

std::string U64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

}  // namespace

AddrMan::AddrMan(const Secret& secret, GroupFn group)
    : secret_(secret),
      group_(std::move(group)),
      new_table_(kNewBuckets * kBucketSize),
      tried_table_(kTriedBuckets * kBucketSize) {}

uint64_t AddrMan::Hash(std::initializer_list<std::string_view> fields) const {
  crypto::Sha256 hasher;
  hasher.Write(util::AsBytes(kHashTag));
  hasher.Write(secret_);
  for (std::string_view field : fields) {
    // Length-prefixed, so no two field lists hash the same bytes.
    const std::string length = U64(field.size());
    hasher.Write(util::AsBytes(length));
    hasher.Write(util::AsBytes(field));
  }
  const auto digest = hasher.Finalize();
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | std::to_integer<uint8_t>(digest[i]);
  return value;
}

uint32_t AddrMan::NewBucket(const wire::NetAddress& address,
                            const std::string& source_group) const {
  const uint64_t within = Hash({"new1", group_(address), source_group}) % kNewBucketsPerSourceGroup;
  return static_cast<uint32_t>(Hash({"new2", source_group, U64(within)}) % kNewBuckets);
}

uint32_t AddrMan::TriedBucket(const wire::NetAddress& address) const {
  const uint64_t within = Hash({"tried1", AddressKey(address)}) % kTriedBucketsPerGroup;
  return static_cast<uint32_t>(Hash({"tried2", group_(address), U64(within)}) % kTriedBuckets);
}

uint32_t AddrMan::Position(bool is_new, uint32_t bucket, const wire::NetAddress& address) const {
  return static_cast<uint32_t>(
      Hash({is_new ? "N" : "K", U64(bucket), AddressKey(address)}) % kBucketSize);
}

uint32_t AddrMan::TriedSlot(const wire::NetAddress& address) const {
  const uint32_t bucket = TriedBucket(address);
  return bucket * kBucketSize + Position(false, bucket, address);
}

std::string AddrMan::SourceOf(const wire::NetAddress& address, const Entry& entry) const {
  return entry.source_group.empty() ? group_(address) : entry.source_group;
}

// Core's IsTerrible: an entry a newcomer may overwrite.
bool AddrMan::IsTerrible(const Entry& e, int64_t now) {
  if (e.last_try != 0 && now - e.last_try <= 60) return false;  // being tried right now
  if (e.last_seen > now + 10 * 60) return true;                  // from the future
  if (now - e.last_seen > 30 * 24 * 3600) return true;           // not heard of in a month
  if (e.last_success == 0 && e.attempts >= 3) return true;       // never worked
  if (now - e.last_success > 7 * 24 * 3600 && e.attempts >= 10) return true;  // stopped working
  return false;
}

// Core's GetChance: recent and repeated failed attempts make an entry less likely.
double AddrMan::Chance(const Entry& e, int64_t now) {
  double chance = 1.0;
  if (now - e.last_try < 10 * 60) chance *= 0.01;
  return chance * std::pow(0.66, std::min<uint32_t>(e.attempts, 8));
}

void AddrMan::ClearNewSlot(uint32_t slot) {
  auto& cell = new_table_[slot];
  if (!cell) return;
  auto it = entries_.find(*cell);
  cell.reset();
  if (it == entries_.end()) return;
  auto& slots = it->second.new_slots;
  slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
  if (!slots.empty()) return;
  --new_count_;
  changed_.push_back(it->first);
  if (!it->second.tried) entries_.erase(it);
}

void AddrMan::PlaceNew(const wire::NetAddress& address, Entry& entry, uint32_t slot) {
  new_table_[slot] = address;
  if (entry.new_slots.empty()) {
    ++new_count_;
    changed_.push_back(address);
  }
  entry.new_slots.push_back(slot);
}

bool AddrMan::Add(const wire::NetAddress& address, const std::string& source_group, int64_t seen,
                  int64_t now, Rng& rng) {
  const std::string source = source_group.empty() ? group_(address) : source_group;
  auto it = entries_.find(address);
  const bool fresh = it == entries_.end();
  if (!fresh) {
    Entry& e = it->second;
    e.last_seen = std::max(e.last_seen, seen);
    if (e.tried || e.new_slots.size() >= kNewBucketsPerAddress) return false;
    // Each further reference is half as likely to take one more slot (Core's 2^refcount).
    if (!e.new_slots.empty() && rng() % (uint64_t{1} << e.new_slots.size()) != 0) return false;
  }
  const uint32_t bucket = NewBucket(address, source);
  const uint32_t slot = bucket * kBucketSize + Position(true, bucket, address);
  const auto& cell = new_table_[slot];
  if (cell == address) return false;
  const size_t our_slots = fresh ? 0 : it->second.new_slots.size();
  if (cell) {
    const Entry& occupant = entries_.at(*cell);
    const bool replace =
        IsTerrible(occupant, now) || (occupant.new_slots.size() > 1 && our_slots == 0);
    if (!replace) return false;
    ClearNewSlot(slot);
  }
  if (fresh) {
    Entry e;
    e.source_group = source;
    e.last_seen = seen;
    it = entries_.emplace(address, std::move(e)).first;
  }
  PlaceNew(address, it->second, slot);
  return true;
}

void AddrMan::PlaceTried(const wire::NetAddress& address, Entry& entry) {
  for (uint32_t slot : entry.new_slots) new_table_[slot].reset();
  if (!entry.new_slots.empty()) --new_count_;
  entry.new_slots.clear();
  const uint32_t slot = TriedSlot(address);
  if (auto& cell = tried_table_[slot]; cell && *cell != address) {
    // The occupant goes back to new (to the slot its source maps it to).
    const wire::NetAddress old = *cell;
    Entry& old_entry = entries_.at(old);
    cell.reset();
    old_entry.tried = false;
    --tried_count_;
    const uint32_t bucket = NewBucket(old, SourceOf(old, old_entry));
    const uint32_t new_slot = bucket * kBucketSize + Position(true, bucket, old);
    ClearNewSlot(new_slot);
    PlaceNew(old, old_entry, new_slot);
  }
  tried_table_[slot] = address;
  entry.tried = true;
  ++tried_count_;
  changed_.push_back(address);
}

AddrMan::GoodResult AddrMan::Good(const wire::NetAddress& address, int64_t now) {
  auto it = entries_.find(address);
  if (it == entries_.end()) return GoodResult::kUnknown;
  Entry& e = it->second;
  e.last_success = e.last_try = e.last_seen = now;
  e.attempts = 0;
  if (e.tried) return GoodResult::kAlreadyTried;
  const auto& cell = tried_table_[TriedSlot(address)];
  if (cell && *cell != address) {
    if (collisions_.size() < kMaxCollisions &&
        std::find(collisions_.begin(), collisions_.end(), address) == collisions_.end()) {
      collisions_.push_back(address);
    }
    return GoodResult::kCollision;
  }
  PlaceTried(address, e);
  return GoodResult::kMoved;
}

void AddrMan::Attempt(const wire::NetAddress& address, int64_t now) {
  auto it = entries_.find(address);
  if (it == entries_.end()) return;
  it->second.last_try = now;
  ++it->second.attempts;
}

void AddrMan::Remove(const wire::NetAddress& address) {
  auto it = entries_.find(address);
  if (it == entries_.end()) return;
  for (uint32_t slot : it->second.new_slots) new_table_[slot].reset();
  if (!it->second.new_slots.empty()) --new_count_;
  if (it->second.tried) {
    tried_table_[TriedSlot(address)].reset();
    --tried_count_;
  }
  std::erase(collisions_, address);
  entries_.erase(it);
  changed_.push_back(address);
}

std::optional<wire::NetAddress> AddrMan::Select(bool new_only, int64_t now, Rng& rng) const {
  const bool use_tried = !new_only && tried_count_ > 0 && (new_count_ == 0 || (rng() & 1) == 0);
  if (!use_tried && new_count_ == 0) return std::nullopt;
  const auto& table = use_tried ? tried_table_ : new_table_;
  const uint32_t buckets = use_tried ? kTriedBuckets : kNewBuckets;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  double factor = 1.0;
  // Terminates long before the bound (the factor grows 1.2× per rejection); the bound only
  // guards against a table/count mismatch turning into a hang.
  for (int draw = 0; draw < (1 << 20); ++draw) {
    const uint32_t bucket = static_cast<uint32_t>(rng() % buckets);
    const uint32_t start = static_cast<uint32_t>(rng() % kBucketSize);
    const std::optional<wire::NetAddress>* cell = nullptr;
    for (uint32_t i = 0; i < kBucketSize && cell == nullptr; ++i) {
      const auto& candidate = table[bucket * kBucketSize + (start + i) % kBucketSize];
      if (candidate) cell = &candidate;
    }
    if (cell == nullptr) continue;  // an empty bucket: draw another
    const Entry& e = entries_.at(**cell);
    if (coin(rng) < factor * Chance(e, now)) return **cell;
    factor *= 1.2;
  }
  return std::nullopt;
}

size_t AddrMan::ResolveCollisions(int64_t now) {
  size_t settled = 0;
  for (const wire::NetAddress address : std::vector(collisions_)) {
    auto it = entries_.find(address);
    bool done = it == entries_.end() || it->second.tried;
    if (!done) {
      const auto& cell = tried_table_[TriedSlot(address)];
      const Entry* occupant = cell ? &entries_.at(*cell) : nullptr;
      bool evict = occupant == nullptr;
      if (occupant != nullptr && now - occupant->last_success < kReplacementSeconds) {
        done = true;  // the occupant works: keep it, forget the newcomer's claim
      } else if (occupant != nullptr && now - occupant->last_try < kReplacementSeconds) {
        evict = now - occupant->last_try > 60;  // tried a minute ago and no success since
      } else if (occupant != nullptr) {
        evict = now - it->second.last_success > kTestWindowSeconds;  // never tested in time
      }
      if (evict) {
        PlaceTried(address, it->second);
        done = true;
      }
    }
    if (done) {
      std::erase(collisions_, address);
      ++settled;
    }
  }
  return settled;
}

std::optional<wire::NetAddress> AddrMan::CollisionToTest(Rng& rng) const {
  if (collisions_.empty()) return std::nullopt;
  const auto& address = collisions_[rng() % collisions_.size()];
  return tried_table_[TriedSlot(address)];
}

void AddrMan::Restore(const wire::NetAddress& address, const Entry& entry, bool tried) {
  if (entries_.contains(address)) return;
  Entry e = entry;
  e.new_slots.clear();
  e.tried = false;
  if (tried) {
    const uint32_t slot = TriedSlot(address);
    if (!tried_table_[slot]) {
      tried_table_[slot] = address;
      e.tried = true;
      ++tried_count_;
      entries_.emplace(address, std::move(e));
      changed_.push_back(address);
      return;
    }
  }
  const uint32_t bucket = NewBucket(address, SourceOf(address, e));
  const uint32_t slot = bucket * kBucketSize + Position(true, bucket, address);
  if (new_table_[slot]) return;  // taken (the secret or the groups changed): not restored
  auto it = entries_.emplace(address, std::move(e)).first;
  PlaceNew(address, it->second, slot);
}

AddrTable AddrMan::TableOf(const wire::NetAddress& address) const {
  const Entry* e = Find(address);
  if (e == nullptr) return AddrTable::kNone;
  return e->tried ? AddrTable::kTried : AddrTable::kNew;
}

const AddrMan::Entry* AddrMan::Find(const wire::NetAddress& address) const {
  auto it = entries_.find(address);
  return it == entries_.end() ? nullptr : &it->second;
}

size_t AddrMan::UsedNewBuckets() const {
  size_t used = 0;
  for (uint32_t b = 0; b < kNewBuckets; ++b) {
    for (uint32_t p = 0; p < kBucketSize; ++p) {
      if (new_table_[b * kBucketSize + p]) {
        ++used;
        break;
      }
    }
  }
  return used;
}

}  // namespace parthenon::p2p

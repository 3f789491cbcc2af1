// The parts a peer's score is made of, for `getpeerscore` (explainability, as gossipsub v1.1
// exposes P1..P7). The score is a running sum from ScoreTable::kInitial of one weight per
// event, clamped to [kMin, kMax] after each event; each part here is count × weight from the
// record's own counters, and `residual` is what the counters do not explain (clamping, stalls,
// which have no counter, and manual adjustments). Pure. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "p2p/peerdb/peer_record.h"

namespace parthenon::p2p {

struct ScorePart {
  std::string_view name;       // "successful_connections", ...
  std::string_view gossipsub;  // the gossipsub v1.1 parameter it plays the role of ("" none)
  std::string_view meaning;
  uint64_t count = 0;
  double weight = 0;
  double contribution = 0;     // count × weight
};

struct ScoreBreakdown {
  double initial = 0;
  std::vector<ScorePart> parts;
  double residual = 0;  // score − initial − Σ contributions
};

ScoreBreakdown ExplainScore(const PeerRecord& record);

}  // namespace parthenon::p2p

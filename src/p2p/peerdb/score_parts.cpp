#include "p2p/peerdb/score_parts.h"

#include "p2p/peerdb/peer_database.h"

namespace parthenon::p2p {

ScoreBreakdown ExplainScore(const PeerRecord& r) {
  ScoreBreakdown out;
  out.initial = ScoreTable::kInitial;
  const auto part = [&](std::string_view name, std::string_view gossipsub, std::string_view meaning,
                        uint64_t count, double weight) {
    out.parts.push_back({name, gossipsub, meaning, count, weight,
                         static_cast<double>(count) * weight});
  };
  part("time_connected", "P1",
       "seconds of finished connections with it (time in mesh); informational: the scoring table "
       "gives time no weight",
       r.connected_seconds, 0.0);
  part("successful_connections", "P1",
       "handshakes completed with it (the scoring table's reward for a working link)", r.successes,
       ScoreTable::kSuccessfulConnection);
  part("blocks", "P2", "blocks received from it (message deliveries)", r.blocks, ScoreTable::kBlock);
  part("transactions", "P2", "transactions received from it (message deliveries)", r.txs,
       ScoreTable::kTransaction);
  part("invalid_messages", "P4", "invalid messages (gossipsub: invalid messages delivered)", r.invalid,
       ScoreTable::kInvalidMessage);
  part("failed_connections", "P5", "failed outbound dials and handshakes (application-specific)",
       r.failures, ScoreTable::kFailedConnection);
  part("protocol_violations", "P7",
       "protocol violations (behavioural penalty; every 5th bans the IP)", r.violations,
       ScoreTable::kProtocolViolation);
  double sum = out.initial;
  for (const auto& p : out.parts) sum += p.contribution;
  out.residual = r.score - sum;
  return out;
}

}  // namespace parthenon::p2p

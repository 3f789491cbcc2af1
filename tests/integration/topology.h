// Topologies of in-process test networks (relay and compact-block tests): a line, a star around
// node 0, or a random connected graph (a random spanning tree plus extra random edges, about 3
// links per node). Test-only (GoogleTest assertions).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "sync_node.h"

namespace parthenon::p2p::test {

enum class Topology { kLine, kStar, kRandom };

// For INSTANTIATE_TEST_SUITE_P over Topology values: "Line", "Star", "Random".
inline std::string TopologyName(const ::testing::TestParamInfo<Topology>& info) {
  switch (info.param) {
    case Topology::kLine: return "Line";
    case Topology::kStar: return "Star";
    case Topology::kRandom: return "Random";
  }
  return "?";
}

inline void Connect(Nodes& nodes, Topology topology, uint32_t seed = 42) {
  const size_t n = nodes.size();
  switch (topology) {
    case Topology::kLine:
      for (size_t i = 0; i + 1 < n; ++i) ASSERT_TRUE(nodes[i]->Link(*nodes[i + 1]));
      break;
    case Topology::kStar:
      for (size_t i = 1; i < n; ++i) ASSERT_TRUE(nodes[i]->Link(*nodes[0]));
      break;
    case Topology::kRandom: {
      std::mt19937 rng(seed);
      std::set<std::pair<size_t, size_t>> edges;
      for (size_t i = 1; i < n; ++i) {
        edges.insert({std::uniform_int_distribution<size_t>(0, i - 1)(rng), i});
      }
      while (edges.size() < n * 3 / 2) {
        const size_t a = rng() % n, b = rng() % n;
        if (a != b) edges.insert({std::min(a, b), std::max(a, b)});
      }
      for (const auto& [a, b] : edges) ASSERT_TRUE(nodes[b]->Link(*nodes[a]));
      break;
    }
  }
}

}  // namespace parthenon::p2p::test

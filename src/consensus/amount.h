// Money: amounts are integers of base units; 1 coin = 10^8 units (DESIGN.md §4).
#pragma once

#include <cstdint>

namespace parthenon::consensus {

using Amount = int64_t;

inline constexpr Amount kCoin = 100'000'000;
inline constexpr Amount kMaxMoney = 21'000'000 * kCoin;

constexpr bool MoneyRange(Amount value) { return value >= 0 && value <= kMaxMoney; }

}  // namespace parthenon::consensus

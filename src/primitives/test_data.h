// Known-answer data for primitives tests that need no files (public facts of the Bitcoin chain).
#pragma once

#include <string_view>

namespace parthenon::primitives::test_data {

// Bitcoin mainnet genesis block, raw serialization.
inline constexpr std::string_view kBitcoinGenesisBlockHex =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c010100000001000000"
    "0000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d010445546865"
    "2054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365"
    "636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe55"
    "48271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c38"
    "4df7ba0b8d578a4c702b6bf11d5fac00000000";
inline constexpr std::string_view kBitcoinGenesisHash =
    "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
inline constexpr std::string_view kBitcoinGenesisMerkleRoot =
    "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

// block413567.raw in ../shared/vectors.
inline constexpr std::string_view kBlock413567Hash =
    "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069";

}  // namespace parthenon::primitives::test_data

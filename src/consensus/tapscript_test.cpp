#include "consensus/tapscript.h"

#include <gtest/gtest.h>

#include "consensus/input_check.h"
#include "consensus/opcodes.h"
#include "consensus/script.h"
#include "consensus/script_num.h"
#include "consensus/taproot.h"
#include "consensus/test_fixtures.h"
#include "crypto/script_hashes.h"

namespace parthenon::consensus {
namespace {

using namespace testing;

// Builds scripts: `Script{} << op::kDup << bytes << 5`.
struct Script {
  util::Bytes bytes;
  Script& operator<<(uint8_t opcode) {
    bytes.push_back(std::byte{opcode});
    return *this;
  }
  Script& operator<<(util::ByteSpan data) {
    const util::Bytes push = PushData(data);
    bytes.insert(bytes.end(), push.begin(), push.end());
    return *this;
  }
  Script& Num(int64_t value) {
    const util::Bytes push = PushNumber(value);
    bytes.insert(bytes.end(), push.begin(), push.end());
    return *this;
  }
};

util::Bytes Num(int64_t value) { return EncodeScriptNum(value); }
util::Bytes Key(const crypto::KeyPair& key) {
  const auto pub = key.PublicKey();
  return {pub.begin(), pub.end()};
}

// One transaction spending one output (of a taproot key) to one output; tests run scripts in
// its context and sign for them.
class TapscriptTest : public ::testing::Test {
 protected:
  TapscriptTest() {
    tx_.version = 2;
    tx_.inputs.push_back({.prevout = SomeOutPoint(), .script_sig = {}, .sequence = 0xfffffffe, .witness = {}});
    tx_.outputs.push_back({.value = 9 * kCoin, .script_pubkey = KeyPathScript(key_.PublicKey())});
    spent_.push_back({10 * kCoin, KeyPathScript(key_.PublicKey())});
  }

  // Runs `script` on `stack` (policy off unless `standard`).
  Result<std::vector<crypto::SchnorrCheck>> Run(const Script& script, std::vector<util::Bytes> stack,
                                                bool standard = false, int64_t budget = 10'000) {
    pre_ = PrecomputeSighash(tx_, spent_);
    const TapscriptSpend spend{.tx = tx_,
                               .input_index = 0,
                               .spent_outputs = spent_,
                               .precomputed = pre_,
                               .leaf_hash = TapLeafHash(kTapscriptLeafVersion, script.bytes),
                               .annex_hash = std::nullopt,
                               .validation_budget = budget,
                               .standard = standard};
    return ExecuteTapscript(script.bytes, std::move(stack), spend);
  }
  Error RunError(const Script& script, std::vector<util::Bytes> stack, bool standard = false) {
    auto result = Run(script, std::move(stack), standard);
    EXPECT_FALSE(result.has_value());
    return result ? Error::kBadSignature : result.error();
  }
  void ExpectOk(const Script& script, std::vector<util::Bytes> stack = {}) {
    auto result = Run(script, std::move(stack));
    EXPECT_TRUE(result.has_value()) << (result ? "" : RejectReason(result.error()));
  }

  // A script-path signature by `key` for `script` (codesep position `codesep`).
  util::Bytes SignLeaf(const crypto::KeyPair& key, const util::Bytes& script, uint8_t hash_type = 0,
                       uint32_t codesep = 0xffffffff) {
    const SighashExtension ext{.annex_hash = std::nullopt,
                               .tapleaf = SighashExtension::Tapleaf{
                                   .leaf_hash = TapLeafHash(kTapscriptLeafVersion, script), .codesep_pos = codesep}};
    const auto sighash = SignatureHash(tx_, 0, hash_type, spent_, PrecomputeSighash(tx_, spent_), ext).value();
    const auto sig = key.Sign(sighash.span());
    util::Bytes out(sig.begin(), sig.end());
    if (hash_type != 0) out.push_back(std::byte{hash_type});
    return out;
  }

  // Makes the spent output commit to `tree` and returns the control block of its leaf `leaf`.
  util::Bytes Commit(const TapTree& tree, size_t leaf) {
    auto output = BuildTaprootOutput(internal_.PublicKey(), &tree).value();
    spent_[0].script_pubkey = KeyPathScript(output.output_key);
    return output.control_blocks[leaf];
  }

  // Runs the whole input check under `rules` and verifies the checks it returns.
  Result<void> CheckInput(SpendRules rules) {
    auto checks = PrepareInputChecks(tx_, 0, spent_, PrecomputeSighash(tx_, spent_), rules);
    if (!checks) return std::unexpected(checks.error());
    if (!verifier_.VerifyAll(*checks)) return std::unexpected(Error::kBadSignature);
    return {};
  }

  static constexpr SpendRules kV1{.script_v2 = false, .standard = false};
  static constexpr SpendRules kV2{.script_v2 = true, .standard = false};
  static constexpr SpendRules kPolicy{.script_v2 = true, .standard = true};

  util::ThreadPool pool_{1};
  crypto::ParallelVerifier verifier_{pool_};
  crypto::KeyPair key_ = crypto::KeyPair::Generate();
  crypto::KeyPair internal_ = crypto::KeyPair::Generate();
  primitives::Transaction tx_;
  std::vector<primitives::TxOut> spent_;
  PrecomputedSighash pre_;
};

// --- BIP341 script path through the input check -------------------------------------------

TEST_F(TapscriptTest, ScriptPathSpendValidFromV2Only) {
  const util::Bytes script = (Script{} << Key(key_) << op::kCheckSig).bytes;
  const util::Bytes control = Commit(TapTree::Leaf(script), 0);
  tx_.inputs[0].witness = {SignLeaf(key_, script), script, control};
  EXPECT_TRUE(CheckInput(kV2).has_value());
  EXPECT_TRUE(CheckInput(kPolicy).has_value());
  EXPECT_EQ(CheckInput(kV1).error(), Error::kTxBadWitness);  // v1: exactly as before
}

TEST_F(TapscriptTest, ScriptPathInDeeperTree) {
  const util::Bytes a = (Script{} << Key(key_) << op::kCheckSig).bytes;
  const util::Bytes b = (Script{} << op::kSha256 << util::Bytes(32) << op::kEqual).bytes;
  const util::Bytes c = (Script{} << op::k1).bytes;
  const util::Bytes control = Commit(TapTree::Branch(TapTree::Leaf(c), TapTree::Branch(TapTree::Leaf(a), TapTree::Leaf(b))), 1);
  EXPECT_EQ(control.size(), 33u + 2 * 32u);
  tx_.inputs[0].witness = {SignLeaf(key_, a), a, control};
  EXPECT_TRUE(CheckInput(kV2).has_value());
  // The signature commits to the leaf: one made for another leaf hash fails.
  tx_.inputs[0].witness[0] = SignLeaf(key_, b);
  EXPECT_EQ(CheckInput(kV2).error(), Error::kBadSignature);
}

TEST_F(TapscriptTest, WrongCommitmentRejected) {
  const util::Bytes script = (Script{} << op::k1).bytes;
  util::Bytes control = Commit(TapTree::Leaf(script), 0);
  tx_.inputs[0].witness = {(Script{} << op::k2).bytes, control};  // another script
  EXPECT_EQ(CheckInput(kV2).error(), Error::kTaprootCommitment);
  control[0] ^= std::byte{1};  // wrong parity
  tx_.inputs[0].witness = {script, control};
  EXPECT_EQ(CheckInput(kV2).error(), Error::kTaprootCommitment);
  control[0] ^= std::byte{1};
  control.push_back(std::byte{0});
  tx_.inputs[0].witness = {script, control};
  EXPECT_EQ(CheckInput(kV2).error(), Error::kTaprootControlSize);
}

TEST_F(TapscriptTest, UnknownLeafVersionIsConsensusValidButNonStandard) {
  const util::Bytes script = (Script{} << op::kReturn).bytes;
  const util::Bytes control = Commit(TapTree::Leaf(script, 0xc2), 0);
  tx_.inputs[0].witness = {script, control};
  EXPECT_TRUE(CheckInput(kV2).has_value());
  EXPECT_EQ(CheckInput(kPolicy).error(), Error::kPolicyLeafVersion);
}

TEST_F(TapscriptTest, StandardWitnessElementsAtMost80Bytes) {
  const util::Bytes script = (Script{} << op::kSize << Num(81) << op::kEqualVerify << op::kDrop << op::k1).bytes;
  const util::Bytes control = Commit(TapTree::Leaf(script), 0);
  tx_.inputs[0].witness = {util::Bytes(81), script, control};
  EXPECT_TRUE(CheckInput(kV2).has_value());
  EXPECT_EQ(CheckInput(kPolicy).error(), Error::kPolicyStackItemSize);
  // The script and control block themselves are not limited.
  const util::Bytes long_script = (Script{} << util::Bytes(200) << op::kDrop << op::k1).bytes;
  tx_.inputs[0].witness = {long_script, Commit(TapTree::Leaf(long_script), 0)};
  EXPECT_TRUE(CheckInput(kPolicy).has_value());
}

TEST_F(TapscriptTest, AnnexIsCommittedAndNonStandard) {
  const util::Bytes script = (Script{} << Key(key_) << op::kCheckSig).bytes;
  const util::Bytes control = Commit(TapTree::Leaf(script), 0);
  const util::Bytes annex{kAnnexTag, std::byte{7}};
  // Signed without the annex: the annex changes the message, so the signature fails.
  tx_.inputs[0].witness = {SignLeaf(key_, script), script, control, annex};
  EXPECT_EQ(CheckInput(kV2).error(), Error::kBadSignature);
  EXPECT_EQ(CheckInput(kPolicy).error(), Error::kPolicyAnnex);
  const SighashExtension ext{.annex_hash = AnnexHash(annex),
                             .tapleaf = SighashExtension::Tapleaf{
                                 .leaf_hash = TapLeafHash(kTapscriptLeafVersion, script), .codesep_pos = 0xffffffff}};
  const auto sighash = SignatureHash(tx_, 0, 0, spent_, PrecomputeSighash(tx_, spent_), ext).value();
  const auto sig = key_.Sign(sighash.span());
  tx_.inputs[0].witness[0] = util::Bytes(sig.begin(), sig.end());
  EXPECT_TRUE(CheckInput(kV2).has_value());
}

TEST_F(TapscriptTest, KeyPathWithAnnexFromV2) {
  spent_[0].script_pubkey = KeyPathScript(key_.PublicKey());
  const util::Bytes annex{kAnnexTag};
  const auto sighash =
      SignatureHash(tx_, 0, 0, spent_, PrecomputeSighash(tx_, spent_), {.annex_hash = AnnexHash(annex), .tapleaf = {}}).value();
  const auto sig = key_.Sign(sighash.span());
  tx_.inputs[0].witness = {util::Bytes(sig.begin(), sig.end()), annex};
  EXPECT_TRUE(CheckInput(kV2).has_value());
  EXPECT_EQ(CheckInput(kV1).error(), Error::kTxBadWitness);
}

// The script-path message is the key-path one with spend_type 2 and the BIP342 extension
// (tapleaf hash, key version 0, codesep position) appended.
TEST_F(TapscriptTest, ScriptPathSignatureMessageLayout) {
  const PrecomputedSighash pre = PrecomputeSighash(tx_, spent_);
  const crypto::Uint256 leaf = TapLeafHash(kTapscriptLeafVersion, util::Bytes{std::byte{0x51}});
  for (uint8_t hash_type : {0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83}) {
    const util::Bytes key_path = SignatureMessage(tx_, 0, hash_type, spent_, pre).value();
    const util::Bytes script_path =
        SignatureMessage(tx_, 0, hash_type, spent_, pre,
                         {.annex_hash = {}, .tapleaf = SighashExtension::Tapleaf{.leaf_hash = leaf, .codesep_pos = 7}})
            .value();
    ASSERT_EQ(script_path.size(), key_path.size() + 37);
    util::Bytes expected = key_path;
    const size_t spend_type_at = 1 + 1 + 4 + 4 + ((hash_type & 0x80) ? 0 : 128) +
                                 ((hash_type & 3) == 2 || (hash_type & 3) == 3 ? 0 : 32);
    ASSERT_EQ(expected[spend_type_at], std::byte{0});
    expected[spend_type_at] = std::byte{2};
    expected.insert(expected.end(), leaf.span().begin(), leaf.span().end());
    for (uint8_t b : {0x00, 0x07, 0x00, 0x00, 0x00}) expected.push_back(std::byte{b});
    EXPECT_EQ(script_path, expected) << int{hash_type};
  }
}

// --- Opcodes -------------------------------------------------------------------------------

TEST_F(TapscriptTest, PushesAndConstants) {
  ExpectOk(Script{} << op::k1Negate << op::k1Add << op::k0NotEqual << op::kNot);
  ExpectOk(Script{}.Num(16) << Num(16) << op::kNumEqual);
  util::Bytes pushdata2 = {std::byte{op::kPushData2}, std::byte{3}, std::byte{0}, std::byte{1}, std::byte{2}, std::byte{3}};
  ExpectOk(Script{pushdata2} << op::kSize << op::k3 << op::kEqualVerify << op::kDrop << op::k1);  // size of the push
  EXPECT_EQ(RunError(Script{{std::byte{0x05}, std::byte{1}}}, {}), Error::kScriptBadOpcode);  // truncated push
  EXPECT_EQ(RunError(Script{pushdata2}, {}, /*standard=*/true), Error::kPolicyMinimalData);
  EXPECT_EQ(RunError(Script{{std::byte{0x01}, std::byte{0x05}}}, {}, true), Error::kPolicyMinimalData);
}

TEST_F(TapscriptTest, FlowControl) {
  ExpectOk(Script{} << op::kIf << op::k0 << op::kElse << op::k1 << op::kEndIf, {{}});
  ExpectOk(Script{} << op::kNotIf << op::k1 << op::kElse << op::k0 << op::kEndIf, {{}});
  ExpectOk(Script{} << op::kIf << op::kIf << op::k0 << op::kEndIf << op::kElse << op::k1 << op::kEndIf, {{}});
  EXPECT_EQ(RunError(Script{} << op::kIf << op::k1, {Num(1)}), Error::kScriptUnbalancedConditional);
  EXPECT_EQ(RunError(Script{} << op::k1 << op::kEndIf, {}), Error::kScriptUnbalancedConditional);
  EXPECT_EQ(RunError(Script{} << op::kElse, {}), Error::kScriptUnbalancedConditional);
  EXPECT_EQ(RunError(Script{} << op::kIf, {}), Error::kScriptUnbalancedConditional);
  EXPECT_EQ(RunError(Script{} << op::k0 << op::kVerify << op::k1, {}), Error::kScriptVerify);
  EXPECT_EQ(RunError(Script{} << op::k1 << op::kReturn, {}), Error::kScriptOpReturn);
  ExpectOk(Script{} << op::kNop << op::k1);
  // An unexecuted OP_RETURN or invalid opcode is harmless; OP_VERIF is not.
  ExpectOk(Script{} << op::k0 << op::kIf << op::kReturn << op::kInvalidOpcode << op::kEndIf << op::k1);
  EXPECT_EQ(RunError(Script{} << op::k1 << op::kInvalidOpcode, {}), Error::kScriptBadOpcode);
  EXPECT_EQ(RunError(Script{} << op::k0 << op::kIf << op::kVerIf << op::kEndIf << op::k1, {}), Error::kScriptBadOpcode);
  EXPECT_EQ(RunError(Script{} << op::k0 << op::kIf << op::kVerNotIf << op::kEndIf << op::k1, {}), Error::kScriptBadOpcode);
}

TEST_F(TapscriptTest, MinimalIfIsConsensus) {
  for (const util::Bytes& arg : {util::Bytes{std::byte{2}}, util::Bytes{std::byte{1}, std::byte{0}},
                                 util::Bytes{std::byte{0}}, util::Bytes{std::byte{0x80}}}) {
    EXPECT_EQ(RunError(Script{} << op::kIf << op::k1 << op::kElse << op::k1 << op::kEndIf, {arg}),
              Error::kScriptMinimalIf);
    EXPECT_EQ(RunError(Script{} << op::kNotIf << op::k1 << op::kElse << op::k1 << op::kEndIf, {arg}),
              Error::kScriptMinimalIf);
  }
}

TEST_F(TapscriptTest, StackOperations) {
  const util::Bytes a = Num(1), b = Num(2), c = Num(3), d = Num(4), e = Num(5), f = Num(6);
  auto expect_top = [&](Script script, std::vector<util::Bytes> stack, const std::vector<util::Bytes>& want) {
    // Compare the final stack with `want` by pushing it and checking equality element by element.
    for (auto it = want.rbegin(); it != want.rend(); ++it) script << *it << op::kEqualVerify;
    script << op::k1;
    ExpectOk(script, std::move(stack));
  };
  expect_top(Script{} << op::kToAltStack << op::kFromAltStack, {a}, {a});
  expect_top(Script{} << op::k2Drop, {a, b, c}, {a});
  expect_top(Script{} << op::k2Dup, {a, b}, {a, b, a, b});
  expect_top(Script{} << op::k3Dup, {a, b, c}, {a, b, c, a, b, c});
  expect_top(Script{} << op::k2Over, {a, b, c, d}, {a, b, c, d, a, b});
  expect_top(Script{} << op::k2Rot, {a, b, c, d, e, f}, {c, d, e, f, a, b});
  expect_top(Script{} << op::k2Swap, {a, b, c, d}, {c, d, a, b});
  expect_top(Script{} << op::kIfDup, {a}, {a, a});
  expect_top(Script{} << op::kIfDup, {a, {}}, {a, {}});
  expect_top(Script{} << op::kDepth, {a, b}, {a, b, Num(2)});
  expect_top(Script{} << op::kDrop, {a, b}, {a});
  expect_top(Script{} << op::kDup, {a}, {a, a});
  expect_top(Script{} << op::kNip, {a, b}, {b});
  expect_top(Script{} << op::kOver, {a, b}, {a, b, a});
  expect_top(Script{} << op::kPick, {a, b, c, Num(2)}, {a, b, c, a});
  expect_top(Script{} << op::kRoll, {a, b, c, Num(2)}, {b, c, a});
  expect_top(Script{} << op::kRot, {a, b, c}, {b, c, a});
  expect_top(Script{} << op::kSwap, {a, b}, {b, a});
  expect_top(Script{} << op::kTuck, {a, b}, {b, a, b});
  expect_top(Script{} << op::kSize, {util::Bytes(7)}, {util::Bytes(7), Num(7)});
  expect_top(Script{} << op::kEqual, {a, a}, {Num(1)});
  expect_top(Script{} << op::kEqual, {a, b}, {{}});
  EXPECT_EQ(RunError(Script{} << op::kEqualVerify << op::k1, {a, b}), Error::kScriptVerify);
  for (uint8_t opcode : {op::kToAltStack, op::kFromAltStack, op::k2Drop, op::k2Dup, op::k3Dup, op::k2Over,
                         op::k2Rot, op::k2Swap, op::kIfDup, op::kDrop, op::kDup, op::kNip, op::kOver,
                         op::kPick, op::kRoll, op::kRot, op::kSwap, op::kTuck, op::kSize, op::kEqual}) {
    EXPECT_EQ(RunError(Script{} << opcode, {}), Error::kScriptInvalidStackOperation) << int{opcode};
  }
  EXPECT_EQ(RunError(Script{} << op::kPick, {a, Num(1)}), Error::kScriptInvalidStackOperation);
  EXPECT_EQ(RunError(Script{} << op::kRoll, {a, Num(-1)}), Error::kScriptInvalidStackOperation);
}

TEST_F(TapscriptTest, Arithmetic) {
  struct Case {
    uint8_t opcode;
    std::vector<int64_t> args;
    int64_t result;
  };
  const std::vector<Case> cases = {
      {op::k1Add, {5}, 6}, {op::k1Sub, {5}, 4}, {op::kNegate, {5}, -5}, {op::kAbs, {-5}, 5},
      {op::kNot, {0}, 1}, {op::kNot, {3}, 0}, {op::k0NotEqual, {3}, 1}, {op::kAdd, {2, 3}, 5},
      {op::kSub, {2, 3}, -1}, {op::kBoolAnd, {1, 0}, 0}, {op::kBoolOr, {1, 0}, 1},
      {op::kNumEqual, {4, 4}, 1}, {op::kNumNotEqual, {4, 4}, 0}, {op::kLessThan, {3, 4}, 1},
      {op::kGreaterThan, {3, 4}, 0}, {op::kLessThanOrEqual, {4, 4}, 1}, {op::kGreaterThanOrEqual, {3, 4}, 0},
      {op::kMin, {3, -4}, -4}, {op::kMax, {3, -4}, 3}, {op::kWithin, {3, 3, 4}, 1}, {op::kWithin, {4, 3, 4}, 0},
      {op::kAdd, {0x7fffffff, 0x7fffffff}, 0xfffffffe}};
  for (const Case& c : cases) {
    Script script;
    for (int64_t arg : c.args) script << Num(arg);
    script << c.opcode << Num(c.result) << op::kEqual;
    ExpectOk(script);
  }
  ExpectOk(Script{} << Num(2) << Num(2) << op::kNumEqualVerify << op::k1);
  EXPECT_EQ(RunError(Script{} << Num(2) << Num(3) << op::kNumEqualVerify << op::k1, {}), Error::kScriptVerify);
  // Operands are at most 4 bytes; the 5-byte result of the overflowing add above is not one.
  EXPECT_EQ(RunError(Script{} << op::k1Add << op::k1, {Num(0xffffffffLL)}), Error::kScriptBadNumber);
  // Non-minimal numbers are consensus-valid, non-standard.
  const util::Bytes padded{std::byte{1}, std::byte{0}};
  ExpectOk(Script{} << op::k1Add << op::k2 << op::kEqual, {padded});
  EXPECT_EQ(RunError(Script{} << op::k1Add, {padded}, true), Error::kPolicyMinimalData);
}

TEST_F(TapscriptTest, Hashes) {
  const util::Bytes data = util::ToBytes(std::string_view("abc"));
  const auto ripemd = crypto::Ripemd160(data);
  const auto sha1 = crypto::Sha1(data);
  const auto sha256 = crypto::Sha256Hash(data);
  const auto hash160 = crypto::Hash160(data);
  const auto hash256 = crypto::Sha256d(data);
  ExpectOk(Script{} << data << op::kRipemd160 << util::Bytes(ripemd.begin(), ripemd.end()) << op::kEqual);
  ExpectOk(Script{} << data << op::kSha1 << util::Bytes(sha1.begin(), sha1.end()) << op::kEqual);
  ExpectOk(Script{} << data << op::kSha256 << util::Bytes(sha256.begin(), sha256.end()) << op::kEqual);
  ExpectOk(Script{} << data << op::kHash160 << util::Bytes(hash160.begin(), hash160.end()) << op::kEqual);
  ExpectOk(Script{} << data << op::kHash256 << hash256.span() << op::kEqual);
  EXPECT_EQ(RunError(Script{} << op::kSha256, {}), Error::kScriptInvalidStackOperation);
}

TEST_F(TapscriptTest, CheckSigFamily) {
  const util::Bytes script = (Script{} << Key(key_) << op::kCheckSig).bytes;
  auto checks = Run(Script{script}, {SignLeaf(key_, script)});
  ASSERT_TRUE(checks.has_value());
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_TRUE(verifier_.VerifyAll(*checks));
  // An empty signature is a clean "false", and records no check.
  const util::Bytes not_script = (Script{} << Key(key_) << op::kCheckSig << op::kNot).bytes;
  checks = Run(Script{not_script}, {{}});
  ASSERT_TRUE(checks.has_value());
  EXPECT_TRUE(checks->empty());
  // A bad non-empty signature is recorded and fails verification (the whole spend fails).
  util::Bytes bad = SignLeaf(key_, script);
  bad[0] ^= std::byte{1};
  checks = Run(Script{script}, {bad});
  ASSERT_TRUE(checks.has_value());
  EXPECT_FALSE(verifier_.VerifyAll(*checks));
  // CHECKSIGVERIFY with an empty signature fails.
  EXPECT_EQ(RunError(Script{} << Key(key_) << op::kCheckSigVerify << op::k1, {{}}), Error::kScriptVerify);
  // Sizes and hash types.
  EXPECT_EQ(RunError(Script{script}, {util::Bytes(63)}), Error::kScriptSchnorrSigSize);
  EXPECT_EQ(RunError(Script{script}, {util::Bytes(66)}), Error::kScriptSchnorrSigSize);
  EXPECT_EQ(RunError(Script{script}, {util::Bytes(65)}), Error::kTxBadHashType);
  util::Bytes bad_type(64);
  bad_type.push_back(std::byte{0x04});
  EXPECT_EQ(RunError(Script{script}, {bad_type}), Error::kTxBadHashType);
  // Every explicit hash type verifies.
  for (uint8_t hash_type : {0x01, 0x02, 0x03, 0x81, 0x82, 0x83}) {
    checks = Run(Script{script}, {SignLeaf(key_, script, hash_type)});
    ASSERT_TRUE(checks.has_value());
    EXPECT_TRUE(verifier_.VerifyAll(*checks)) << int{hash_type};
  }
}

TEST_F(TapscriptTest, PublicKeyTypes) {
  EXPECT_EQ(RunError(Script{} << util::Bytes{} << op::kCheckSig, {util::Bytes(64)}), Error::kScriptEmptyPubkey);
  EXPECT_EQ(RunError(Script{} << util::Bytes{} << op::kCheckSig, {{}}), Error::kScriptEmptyPubkey);
  // Unknown key types (not 0 or 32 bytes) succeed for any non-empty signature: an upgrade hook.
  auto checks = Run(Script{} << util::Bytes(33, std::byte{2}) << op::kCheckSig, {util::Bytes(10)});
  ASSERT_TRUE(checks.has_value());
  EXPECT_TRUE(checks->empty());
  EXPECT_EQ(RunError(Script{} << util::Bytes(33, std::byte{2}) << op::kCheckSig, {util::Bytes(10)}, true),
            Error::kPolicyPubkeyType);
}

TEST_F(TapscriptTest, CheckSigAddCountsSignatures) {
  const auto k1 = crypto::KeyPair::Generate(), k2 = crypto::KeyPair::Generate(), k3 = crypto::KeyPair::Generate();
  const util::Bytes script = (Script{} << Key(k1) << op::kCheckSig << Key(k2) << op::kCheckSigAdd << Key(k3)
                                       << op::kCheckSigAdd << op::k2 << op::kNumEqual)
                                 .bytes;
  // The stack holds signatures for k3, k2, k1 from bottom to top.
  auto checks = Run(Script{script}, {SignLeaf(k3, script), {}, SignLeaf(k1, script)});
  ASSERT_TRUE(checks.has_value());
  EXPECT_EQ(checks->size(), 2u);
  EXPECT_TRUE(verifier_.VerifyAll(*checks));
  EXPECT_EQ(RunError(Script{script}, {{}, {}, SignLeaf(k1, script)}), Error::kScriptEvalFalse);
  EXPECT_EQ(RunError(Script{} << op::k1 << op::kCheckSigAdd, {{}}), Error::kScriptInvalidStackOperation);
  EXPECT_EQ(RunError(Script{} << util::Bytes(5) << Key(k1) << op::kCheckSigAdd, {{}}), Error::kScriptBadNumber);
}

TEST_F(TapscriptTest, CheckMultisigDisabled) {
  EXPECT_EQ(RunError(Script{} << op::k0 << op::k0 << op::k0 << op::kCheckMultiSig, {}), Error::kScriptCheckMultisig);
  EXPECT_EQ(RunError(Script{} << op::k0 << op::k0 << op::k0 << op::kCheckMultiSigVerify, {}),
            Error::kScriptCheckMultisig);
}

TEST_F(TapscriptTest, CodeSeparatorPositionIsSigned) {
  // <key> OP_CODESEPARATOR OP_CHECKSIG: the separator is opcode 1.
  const util::Bytes script = (Script{} << Key(key_) << op::kCodeSeparator << op::kCheckSig).bytes;
  auto checks = Run(Script{script}, {SignLeaf(key_, script, 0, 1)});
  ASSERT_TRUE(checks.has_value());
  EXPECT_TRUE(verifier_.VerifyAll(*checks));
  checks = Run(Script{script}, {SignLeaf(key_, script)});  // signed for "no separator"
  ASSERT_TRUE(checks.has_value());
  EXPECT_FALSE(verifier_.VerifyAll(*checks));
  // An unexecuted separator does not count.
  const util::Bytes skipped =
      (Script{} << op::k0 << op::kIf << op::kCodeSeparator << op::kEndIf << Key(key_) << op::kCheckSig).bytes;
  checks = Run(Script{skipped}, {SignLeaf(key_, skipped)});
  ASSERT_TRUE(checks.has_value());
  EXPECT_TRUE(verifier_.VerifyAll(*checks));
}

TEST_F(TapscriptTest, OpSuccess) {
  for (int opcode = 0; opcode < 256; ++opcode) {
    const bool success = op::IsOpSuccess(static_cast<uint8_t>(opcode));
    if (!success) continue;
    // Succeeds even after OP_RETURN and with a dirty stack; policy refuses it.
    const Script script = Script{} << op::kReturn << static_cast<uint8_t>(opcode);
    EXPECT_TRUE(Run(script, {util::Bytes(600), {}}).has_value()) << opcode;
    EXPECT_EQ(RunError(script, {}, true), Error::kPolicyOpSuccess) << opcode;
  }
  EXPECT_EQ(op::IsOpSuccess(0x50), true);
  EXPECT_EQ(op::IsOpSuccess(op::kCheckSigAdd), false);
  EXPECT_EQ(op::IsOpSuccess(0xbb), true);
  EXPECT_EQ(op::IsOpSuccess(0xff), false);
  // A push that runs past the end before the OP_SUCCESS makes the script invalid.
  EXPECT_EQ(RunError(Script{{std::byte{0x02}, std::byte{0x50}}}, {}), Error::kScriptBadOpcode);
}

TEST_F(TapscriptTest, UpgradableNops) {
  for (uint8_t opcode : {op::kNop1, op::kNop4, uint8_t{0xb5}, op::kNop10}) {
    ExpectOk(Script{} << opcode << op::k1);
    EXPECT_EQ(RunError(Script{} << opcode << op::k1, {}, true), Error::kPolicyUpgradableNop);
  }
}

// --- Resource limits -----------------------------------------------------------------------

TEST_F(TapscriptTest, StackSizeLimit) {
  std::vector<util::Bytes> full(1000, Num(1));
  // 1000 initial elements are fine; dropping 999 of them leaves one.
  Script drops;
  for (int i = 0; i < 999; ++i) drops << op::kDrop;
  ExpectOk(drops, full);
  full.push_back(Num(1));
  EXPECT_EQ(RunError(drops << op::kDrop, full), Error::kScriptStackSize);
  // Growing past 1000 during execution, counting the altstack.
  std::vector<util::Bytes> stack(999, Num(1));
  EXPECT_EQ(RunError(Script{} << op::kToAltStack << op::k1 << op::k1, stack), Error::kScriptStackSize);
  Script ok = Script{} << op::kToAltStack << op::k1;
  for (int i = 0; i < 999; ++i) ok << op::kDrop;
  ok << op::kFromAltStack;
  ExpectOk(ok, stack);
}

TEST_F(TapscriptTest, ElementSizeLimit) {
  ExpectOk(Script{} << util::Bytes(520, std::byte{1}));
  EXPECT_EQ(RunError(Script{} << util::Bytes(521, std::byte{1}), {}), Error::kScriptPushSize);
  EXPECT_EQ(RunError(Script{} << op::kDrop << op::k1, {util::Bytes(521)}), Error::kScriptPushSize);
  ExpectOk(Script{} << op::kDrop << op::k1, {util::Bytes(520)});
  // A too-large push fails even unexecuted.
  EXPECT_EQ(RunError(Script{} << op::k0 << op::kIf << util::Bytes(521) << op::kEndIf << op::k1, {}),
            Error::kScriptPushSize);
}

TEST_F(TapscriptTest, ValidationWeightBudget) {
  // Each non-empty signature costs 50; the budget is 50 + witness size.
  const util::Bytes script = (Script{} << Key(key_) << op::kCheckSigVerify << Key(key_) << op::kCheckSig).bytes;
  const util::Bytes sig = SignLeaf(key_, script);
  EXPECT_TRUE(Run(Script{script}, {sig, sig}, false, 100).has_value());
  auto over = Run(Script{script}, {sig, sig}, false, 99);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), Error::kScriptValidationWeight);
  // Empty signatures cost nothing.
  EXPECT_TRUE(Run(Script{} << Key(key_) << op::kCheckSig << op::kNot, {{}}, false, 0).has_value());
  // End to end: a script with many signature checks and a small witness exceeds its budget.
  Script many;
  for (int i = 0; i < 20; ++i) many << op::kDup << Key(key_) << op::kCheckSigVerify;
  many << op::kDrop << op::k1;
  const util::Bytes control = Commit(TapTree::Leaf(many.bytes), 0);
  tx_.inputs[0].witness = {SignLeaf(key_, many.bytes), many.bytes, control};
  EXPECT_EQ(CheckInput(kV2).error(), Error::kScriptValidationWeight);
}

TEST_F(TapscriptTest, CleanStackAndResult) {
  EXPECT_EQ(RunError(Script{} << op::k1 << op::k1, {}), Error::kScriptCleanStack);
  EXPECT_EQ(RunError(Script{}, {}), Error::kScriptCleanStack);
  EXPECT_EQ(RunError(Script{} << op::k0, {}), Error::kScriptEvalFalse);
  EXPECT_EQ(RunError(Script{}, {util::Bytes{std::byte{0}, std::byte{0x80}}}), Error::kScriptEvalFalse);
  ExpectOk(Script{}, {Num(1)});
}

// --- Timelocks (BIP65, BIP112) -------------------------------------------------------------

TEST_F(TapscriptTest, CheckLockTimeVerify) {
  tx_.lock_time = 150;
  const auto cltv = [](int64_t lock) { return Script{}.Num(lock) << op::kCheckLockTimeVerify << op::kDrop << op::k1; };
  ExpectOk(cltv(150));
  ExpectOk(cltv(0));
  EXPECT_EQ(RunError(cltv(151), {}), Error::kScriptUnsatisfiedLocktime);
  EXPECT_EQ(RunError(cltv(-1), {}), Error::kScriptNegativeLocktime);
  EXPECT_EQ(RunError(cltv(500'000'000), {}), Error::kScriptUnsatisfiedLocktime);  // time vs height
  tx_.lock_time = 600'000'000;
  ExpectOk(cltv(500'000'000));
  EXPECT_EQ(RunError(cltv(100), {}), Error::kScriptUnsatisfiedLocktime);
  tx_.inputs[0].sequence = 0xffffffff;  // a final input disables nLockTime
  EXPECT_EQ(RunError(cltv(500'000'000), {}), Error::kScriptUnsatisfiedLocktime);
  EXPECT_EQ(RunError(Script{} << op::kCheckLockTimeVerify, {}), Error::kScriptInvalidStackOperation);
  // The argument may be 5 bytes, not 6.
  EXPECT_EQ(RunError(Script{} << util::Bytes(6, std::byte{1}) << op::kCheckLockTimeVerify, {}),
            Error::kScriptBadNumber);
}

TEST_F(TapscriptTest, CheckSequenceVerify) {
  const auto csv = [](int64_t lock) { return Script{}.Num(lock) << op::kCheckSequenceVerify << op::kDrop << op::k1; };
  constexpr int64_t kTime = 1 << 22;
  tx_.inputs[0].sequence = 10;
  ExpectOk(csv(10));
  ExpectOk(csv(1));
  EXPECT_EQ(RunError(csv(11), {}), Error::kScriptUnsatisfiedLocktime);
  EXPECT_EQ(RunError(csv(kTime | 1), {}), Error::kScriptUnsatisfiedLocktime);  // kind differs
  EXPECT_EQ(RunError(csv(-1), {}), Error::kScriptNegativeLocktime);
  ExpectOk(csv(int64_t{1} << 31));  // disabled argument: a NOP
  tx_.inputs[0].sequence = static_cast<uint32_t>(kTime | 5);
  ExpectOk(csv(kTime | 5));
  EXPECT_EQ(RunError(csv(kTime | 6), {}), Error::kScriptUnsatisfiedLocktime);
  EXPECT_EQ(RunError(csv(5), {}), Error::kScriptUnsatisfiedLocktime);
  tx_.inputs[0].sequence = 10u | (1u << 31);  // the input disabled its relative lock
  EXPECT_EQ(RunError(csv(10), {}), Error::kScriptUnsatisfiedLocktime);
  tx_.inputs[0].sequence = 10;
  tx_.version = 1;  // BIP68 needs version 2
  EXPECT_EQ(RunError(csv(10), {}), Error::kScriptUnsatisfiedLocktime);
}

TEST(ScriptNum, EncodingRoundTrip) {
  for (int64_t value : {0LL, 1LL, -1LL, 127LL, 128LL, -128LL, 255LL, 256LL, 0x7fffffffLL, -0x7fffffffLL}) {
    const util::Bytes encoded = EncodeScriptNum(value);
    EXPECT_EQ(DecodeScriptNum(encoded, 5, true), value) << value;
  }
  EXPECT_EQ(EncodeScriptNum(128), (util::Bytes{std::byte{0x80}, std::byte{0x00}}));
  EXPECT_EQ(EncodeScriptNum(-1), (util::Bytes{std::byte{0x81}}));
  EXPECT_FALSE(DecodeScriptNum(util::Bytes{std::byte{0x80}}, 4, true).has_value());  // negative zero
  EXPECT_EQ(DecodeScriptNum(util::Bytes{std::byte{0x80}}, 4, false), 0);
  EXPECT_FALSE(DecodeScriptNum(util::Bytes(5, std::byte{1}), 4, false).has_value());
}

}  // namespace
}  // namespace parthenon::consensus

#include "consensus/tapscript.h"

#include <algorithm>

#include "consensus/opcodes.h"
#include "consensus/script_num.h"
#include "consensus/tx_check.h"
#include "crypto/script_hashes.h"
#include "crypto/sha256.h"
#include "util/result.h"

namespace parthenon::consensus {
namespace {

constexpr uint32_t kLockTimeThreshold = 500'000'000;
constexpr uint32_t kSequenceFinal = 0xffffffff;
constexpr uint32_t kSequenceDisableFlag = 1u << 31;
constexpr uint32_t kSequenceTypeFlag = 1u << 22;
constexpr uint32_t kSequenceMask = 0x0000ffff;

// One decoded instruction: the opcode and, for pushes, the pushed bytes (a view into the script).
struct Instruction {
  uint8_t opcode = 0;
  util::ByteSpan data;
};

// Decodes the instruction at `pc` and advances it; nullopt if the script ends inside a push.
std::optional<Instruction> NextInstruction(util::ByteSpan script, size_t& pc) {
  if (pc >= script.size()) return std::nullopt;
  Instruction ins{.opcode = std::to_integer<uint8_t>(script[pc++]), .data = {}};
  if (ins.opcode > op::kPushData4) return ins;
  size_t size = ins.opcode;
  size_t width = 0;
  if (ins.opcode == op::kPushData1) width = 1;
  if (ins.opcode == op::kPushData2) width = 2;
  if (ins.opcode == op::kPushData4) width = 4;
  if (width != 0) {
    if (script.size() - pc < width) return std::nullopt;
    size = 0;
    for (size_t i = 0; i < width; ++i) size |= std::to_integer<size_t>(script[pc + i]) << (8 * i);
    pc += width;
  }
  if (script.size() - pc < size) return std::nullopt;
  ins.data = script.subspan(pc, size);
  pc += size;
  return ins;
}

util::Bytes Bool(bool value) { return value ? util::Bytes{std::byte{1}} : util::Bytes{}; }

// Executes one tapscript; see ExecuteTapscript.
class Interpreter {
 public:
  Interpreter(std::vector<util::Bytes> stack, const TapscriptSpend& spend)
      : stack_(std::move(stack)), spend_(spend), budget_(spend.validation_budget) {}

  Result<void> Run(util::ByteSpan script);
  std::vector<crypto::SchnorrCheck> TakeChecks() { return std::move(checks_); }

 private:
  Result<void> Step(const Instruction& ins);
  Result<void> FlowOp(uint8_t opcode);
  // Moves elements: altstack, drops, dups, rotations, swaps.
  Result<void> StackOp(uint8_t opcode);
  // Reads elements: IFDUP, DEPTH, PICK/ROLL, SIZE, EQUAL(VERIFY).
  Result<void> ElementOp(uint8_t opcode);
  Result<void> NumericOp(uint8_t opcode);
  Result<void> HashOp(uint8_t opcode);
  Result<void> SignatureOp(uint8_t opcode);
  Result<void> LockTimeOp(uint8_t opcode);
  // Assumes `sig` valid if non-empty (recording the check); returns whether it is non-empty.
  Result<bool> CheckSignature(util::ByteSpan sig, util::ByteSpan pubkey);

  bool Executing() const { return false_branches_ == 0; }
  Result<void> Need(size_t count) const {
    if (stack_.size() < count) return std::unexpected(Error::kScriptInvalidStackOperation);
    return {};
  }
  // The element `depth` from the top (1 = top). REQUIRES: Need(depth).
  util::Bytes& Top(size_t depth = 1) { return stack_[stack_.size() - depth]; }
  Result<int64_t> Number(size_t depth, size_t max_size = kMaxNumSize) const;
  util::Bytes Pop() {
    util::Bytes top = std::move(stack_.back());
    stack_.pop_back();
    return top;
  }

  std::vector<util::Bytes> stack_;
  std::vector<util::Bytes> altstack_;
  std::vector<bool> conditions_;  // one per open IF: whether its current branch executes
  size_t false_branches_ = 0;     // how many of conditions_ are false
  uint32_t opcode_pos_ = 0;
  uint32_t codesep_pos_ = 0xffffffff;
  const TapscriptSpend& spend_;
  int64_t budget_;
  std::vector<crypto::SchnorrCheck> checks_;
};

Result<int64_t> Interpreter::Number(size_t depth, size_t max_size) const {
  NumError why{};
  auto value = DecodeScriptNum(stack_[stack_.size() - depth], max_size, spend_.standard, &why);
  if (value) return *value;
  return std::unexpected(why == NumError::kNotMinimal ? Error::kPolicyMinimalData : Error::kScriptBadNumber);
}

Result<void> Interpreter::Run(util::ByteSpan script) {
  for (size_t pc = 0; pc < script.size(); ++opcode_pos_) {
    auto ins = NextInstruction(script, pc);
    if (!ins) return std::unexpected(Error::kScriptBadOpcode);
    if (ins->data.size() > kMaxElementSize) return std::unexpected(Error::kScriptPushSize);
    if (auto stepped = Step(*ins); !stepped) return stepped;
    if (stack_.size() + altstack_.size() > kMaxStackSize) return std::unexpected(Error::kScriptStackSize);
  }
  if (!conditions_.empty()) return std::unexpected(Error::kScriptUnbalancedConditional);
  // BIP342: exactly one element, and it is true.
  if (stack_.size() != 1) return std::unexpected(Error::kScriptCleanStack);
  if (!CastToBool(stack_.back())) return std::unexpected(Error::kScriptEvalFalse);
  return {};
}

Result<void> Interpreter::Step(const Instruction& ins) {
  const uint8_t opcode = ins.opcode;
  // OP_VERIF/OP_VERNOTIF fail even in an unexecuted branch, as in Bitcoin.
  const bool conditional = opcode >= op::kIf && opcode <= op::kEndIf;
  if (!Executing() && !conditional) return {};
  if (opcode <= op::kPushData4) {
    if (spend_.standard && !IsMinimalPush(opcode, ins.data)) return std::unexpected(Error::kPolicyMinimalData);
    stack_.emplace_back(ins.data.begin(), ins.data.end());
    return {};
  }
  if (opcode == op::k1Negate || (opcode >= op::k1 && opcode <= op::k16)) {
    stack_.push_back(EncodeScriptNum(opcode == op::k1Negate ? -1 : opcode - op::k1 + 1));
    return {};
  }
  if (conditional || opcode == op::kNop || opcode == op::kVerify || opcode == op::kReturn) return FlowOp(opcode);
  if (opcode == op::kIfDup || opcode == op::kDepth || opcode == op::kPick || opcode == op::kRoll ||
      opcode == op::kSize || opcode == op::kEqual || opcode == op::kEqualVerify) {
    return ElementOp(opcode);
  }
  if (opcode >= op::kToAltStack && opcode <= op::kTuck) return StackOp(opcode);
  if (opcode >= op::k1Add && opcode <= op::kWithin) return NumericOp(opcode);
  if (opcode >= op::kRipemd160 && opcode <= op::kHash256) return HashOp(opcode);
  if (opcode == op::kCodeSeparator) {
    codesep_pos_ = opcode_pos_;
    return {};
  }
  if ((opcode >= op::kCheckSig && opcode <= op::kCheckMultiSigVerify) || opcode == op::kCheckSigAdd) {
    return SignatureOp(opcode);
  }
  if (opcode == op::kCheckLockTimeVerify || opcode == op::kCheckSequenceVerify) return LockTimeOp(opcode);
  if (opcode == op::kNop1 || (opcode >= op::kNop4 && opcode <= op::kNop10)) {
    if (spend_.standard) return std::unexpected(Error::kPolicyUpgradableNop);
    return {};
  }
  // OP_SUCCESSx never get here (the pre-scan returned); what is left is not an opcode
  // (OP_INVALIDOPCODE) or one of a case above that fell through.
  return std::unexpected(Error::kScriptBadOpcode);
}

Result<void> Interpreter::FlowOp(uint8_t opcode) {
  switch (opcode) {
    case op::kNop:
      return {};
    case op::kIf:
    case op::kNotIf: {
      bool value = false;
      if (Executing()) {
        if (stack_.empty()) return std::unexpected(Error::kScriptUnbalancedConditional);
        const util::Bytes& arg = Top();
        // BIP342 MINIMALIF is consensus: the argument is empty or exactly 0x01.
        if (arg.size() > 1 || (arg.size() == 1 && arg[0] != std::byte{1})) {
          return std::unexpected(Error::kScriptMinimalIf);
        }
        value = !arg.empty();
        if (opcode == op::kNotIf) value = !value;
        stack_.pop_back();
      }
      conditions_.push_back(value);
      if (!value) ++false_branches_;
      return {};
    }
    case op::kElse:
      if (conditions_.empty()) return std::unexpected(Error::kScriptUnbalancedConditional);
      if (conditions_.back()) {
        ++false_branches_;
      } else {
        --false_branches_;
      }
      conditions_.back() = !conditions_.back();
      return {};
    case op::kEndIf:
      if (conditions_.empty()) return std::unexpected(Error::kScriptUnbalancedConditional);
      if (!conditions_.back()) --false_branches_;
      conditions_.pop_back();
      return {};
    case op::kVerify:
      PARTHENON_TRY(Need(1));
      if (!CastToBool(Top())) return std::unexpected(Error::kScriptVerify);
      stack_.pop_back();
      return {};
    case op::kReturn:
      return std::unexpected(Error::kScriptOpReturn);
    default:  // OP_VERIF, OP_VERNOTIF
      return std::unexpected(Error::kScriptBadOpcode);
  }
}

Result<void> Interpreter::StackOp(uint8_t opcode) {
  switch (opcode) {
    case op::kToAltStack:
      PARTHENON_TRY(Need(1));
      altstack_.push_back(Pop());
      return {};
    case op::kFromAltStack:
      if (altstack_.empty()) return std::unexpected(Error::kScriptInvalidStackOperation);
      stack_.push_back(std::move(altstack_.back()));
      altstack_.pop_back();
      return {};
    case op::k2Drop:
      PARTHENON_TRY(Need(2));
      stack_.resize(stack_.size() - 2);
      return {};
    case op::k2Dup:
    case op::k3Dup:
    case op::k2Over: {
      const size_t count = opcode == op::k3Dup ? 3 : 2;
      const size_t from = opcode == op::k2Over ? 4 : count;
      PARTHENON_TRY(Need(from));
      for (size_t i = 0; i < count; ++i) {
        util::Bytes copy = Top(from);
        stack_.push_back(std::move(copy));
      }
      return {};
    }
    case op::k2Rot: {
      PARTHENON_TRY(Need(6));
      const auto first = stack_.end() - 6;
      std::rotate(first, first + 2, stack_.end());
      return {};
    }
    case op::k2Swap:
      PARTHENON_TRY(Need(4));
      std::swap_ranges(stack_.end() - 4, stack_.end() - 2, stack_.end() - 2);
      return {};
    case op::kDrop:
      PARTHENON_TRY(Need(1));
      stack_.pop_back();
      return {};
    case op::kDup: {
      PARTHENON_TRY(Need(1));
      util::Bytes top = Top();
      stack_.push_back(std::move(top));
      return {};
    }
    case op::kNip:
      PARTHENON_TRY(Need(2));
      stack_.erase(stack_.end() - 2);
      return {};
    case op::kOver: {
      PARTHENON_TRY(Need(2));
      util::Bytes second = Top(2);
      stack_.push_back(std::move(second));
      return {};
    }
    case op::kRot:
      PARTHENON_TRY(Need(3));
      std::rotate(stack_.end() - 3, stack_.end() - 2, stack_.end());
      return {};
    case op::kSwap:
      PARTHENON_TRY(Need(2));
      std::swap(Top(1), Top(2));
      return {};
    case op::kTuck: {
      PARTHENON_TRY(Need(2));
      util::Bytes top = Top();
      stack_.insert(stack_.end() - 2, std::move(top));
      return {};
    }
    default:  // Step routes only the opcodes above here
      return std::unexpected(Error::kScriptBadOpcode);
  }
}

Result<void> Interpreter::ElementOp(uint8_t opcode) {
  switch (opcode) {
    case op::kIfDup:
      PARTHENON_TRY(Need(1));
      if (CastToBool(Top())) {
        util::Bytes top = Top();
        stack_.push_back(std::move(top));
      }
      return {};
    case op::kDepth:
      stack_.push_back(EncodeScriptNum(static_cast<int64_t>(stack_.size())));
      return {};
    case op::kPick:
    case op::kRoll: {
      PARTHENON_TRY(Need(2));
      auto n = Number(1);
      if (!n) return std::unexpected(n.error());
      stack_.pop_back();
      if (*n < 0 || static_cast<uint64_t>(*n) >= stack_.size()) {
        return std::unexpected(Error::kScriptInvalidStackOperation);
      }
      const auto at = stack_.end() - 1 - *n;
      util::Bytes value = *at;
      if (opcode == op::kRoll) stack_.erase(at);
      stack_.push_back(std::move(value));
      return {};
    }
    case op::kSize:
      PARTHENON_TRY(Need(1));
      stack_.push_back(EncodeScriptNum(static_cast<int64_t>(Top().size())));
      return {};
    case op::kEqual:
    case op::kEqualVerify: {
      PARTHENON_TRY(Need(2));
      const bool equal = Top(1) == Top(2);
      stack_.resize(stack_.size() - 2);
      if (opcode == op::kEqual) {
        stack_.push_back(Bool(equal));
      } else if (!equal) {
        return std::unexpected(Error::kScriptVerify);
      }
      return {};
    }
    default:
      return std::unexpected(Error::kScriptBadOpcode);
  }
}

Result<void> Interpreter::NumericOp(uint8_t opcode) {
  const bool unary = opcode <= op::k0NotEqual;
  const bool ternary = opcode == op::kWithin;
  const size_t arity = unary ? 1 : (ternary ? 3 : 2);
  PARTHENON_TRY(Need(arity));
  int64_t args[3] = {0, 0, 0};
  for (size_t i = 0; i < arity; ++i) {
    auto n = Number(arity - i);
    if (!n) return std::unexpected(n.error());
    args[i] = *n;
  }
  stack_.resize(stack_.size() - arity);
  const int64_t a = args[0];
  const int64_t b = args[1];
  int64_t result = 0;
  switch (opcode) {
    case op::k1Add: result = a + 1; break;
    case op::k1Sub: result = a - 1; break;
    case op::kNegate: result = -a; break;
    case op::kAbs: result = a < 0 ? -a : a; break;
    case op::kNot: result = a == 0; break;
    case op::k0NotEqual: result = a != 0; break;
    case op::kAdd: result = a + b; break;
    case op::kSub: result = a - b; break;
    case op::kBoolAnd: result = a != 0 && b != 0; break;
    case op::kBoolOr: result = a != 0 || b != 0; break;
    case op::kNumEqual:
    case op::kNumEqualVerify: result = a == b; break;
    case op::kNumNotEqual: result = a != b; break;
    case op::kLessThan: result = a < b; break;
    case op::kGreaterThan: result = a > b; break;
    case op::kLessThanOrEqual: result = a <= b; break;
    case op::kGreaterThanOrEqual: result = a >= b; break;
    case op::kMin: result = std::min(a, b); break;
    case op::kMax: result = std::max(a, b); break;
    case op::kWithin: result = b <= a && a < args[2]; break;
    default:  // 0x8d, 0x8e, 0x95-0x99 are OP_SUCCESSx and never reach here
      return std::unexpected(Error::kScriptBadOpcode);
  }
  if (opcode == op::kNumEqualVerify) {
    if (result == 0) return std::unexpected(Error::kScriptVerify);
    return {};
  }
  stack_.push_back(EncodeScriptNum(result));
  return {};
}

Result<void> Interpreter::HashOp(uint8_t opcode) {
  PARTHENON_TRY(Need(1));
  const util::Bytes input = Pop();
  auto push = [&](util::ByteSpan digest) { stack_.emplace_back(digest.begin(), digest.end()); };
  switch (opcode) {
    case op::kRipemd160:
      push(crypto::Ripemd160(input));
      return {};
    case op::kSha1:
      push(crypto::Sha1(input));
      return {};
    case op::kSha256:
      push(crypto::Sha256Hash(input));
      return {};
    case op::kHash160:
      push(crypto::Hash160(input));
      return {};
    default:  // OP_HASH256
      push(crypto::Sha256d(input).span());
      return {};
  }
}

Result<bool> Interpreter::CheckSignature(util::ByteSpan sig, util::ByteSpan pubkey) {
  const bool non_empty = !sig.empty();
  if (non_empty) {
    budget_ -= kValidationWeightPerSigop;
    if (budget_ < 0) return std::unexpected(Error::kScriptValidationWeight);
  }
  if (pubkey.empty()) return std::unexpected(Error::kScriptEmptyPubkey);
  if (pubkey.size() != 32) {
    // BIP342 unknown public key type: the check succeeds (an upgrade hook), policy refuses it.
    if (spend_.standard) return std::unexpected(Error::kPolicyPubkeyType);
    return non_empty;
  }
  if (!non_empty) return false;
  if (sig.size() != 64 && sig.size() != 65) return std::unexpected(Error::kScriptSchnorrSigSize);
  const uint8_t hash_type = sig.size() == 65 ? std::to_integer<uint8_t>(sig[64]) : 0;
  if (sig.size() == 65 && hash_type == 0) return std::unexpected(Error::kTxBadHashType);
  const SighashExtension extension{
      .annex_hash = spend_.annex_hash,
      .tapleaf = SighashExtension::Tapleaf{.leaf_hash = spend_.leaf_hash, .codesep_pos = codesep_pos_}};
  auto sighash = SignatureHash(spend_.tx, spend_.input_index, hash_type, spend_.spent_outputs,
                               spend_.precomputed, extension);
  if (!sighash) return std::unexpected(sighash.error());
  crypto::SchnorrCheck check{.message = sighash->array(), .key = {}, .signature = {}};
  std::copy(pubkey.begin(), pubkey.end(), check.key.begin());
  std::copy_n(sig.begin(), 64, check.signature.begin());
  checks_.push_back(check);
  return true;
}

Result<void> Interpreter::SignatureOp(uint8_t opcode) {
  if (opcode == op::kCheckMultiSig || opcode == op::kCheckMultiSigVerify) {
    return std::unexpected(Error::kScriptCheckMultisig);
  }
  if (opcode == op::kCheckSigAdd) {
    // <sig> <n> <pubkey> OP_CHECKSIGADD -> n + (sig non-empty)
    PARTHENON_TRY(Need(3));
    auto n = Number(2);
    if (!n) return std::unexpected(n.error());
    auto success = CheckSignature(Top(3), Top(1));
    if (!success) return std::unexpected(success.error());
    stack_.resize(stack_.size() - 3);
    stack_.push_back(EncodeScriptNum(*n + (*success ? 1 : 0)));
    return {};
  }
  PARTHENON_TRY(Need(2));
  auto success = CheckSignature(Top(2), Top(1));
  if (!success) return std::unexpected(success.error());
  stack_.resize(stack_.size() - 2);
  if (opcode == op::kCheckSig) {
    stack_.push_back(Bool(*success));
  } else if (!*success) {
    return std::unexpected(Error::kScriptVerify);
  }
  return {};
}

Result<void> Interpreter::LockTimeOp(uint8_t opcode) {
  PARTHENON_TRY(Need(1));
  auto lock = Number(1, kMaxLockNumSize);
  if (!lock) return std::unexpected(lock.error());
  if (*lock < 0) return std::unexpected(Error::kScriptNegativeLocktime);
  const primitives::Transaction& tx = spend_.tx;
  const uint32_t sequence = tx.inputs[spend_.input_index].sequence;
  const auto unsatisfied = std::unexpected(Error::kScriptUnsatisfiedLocktime);
  if (opcode == op::kCheckLockTimeVerify) {  // BIP65
    const bool same_kind = (*lock < kLockTimeThreshold) == (tx.lock_time < kLockTimeThreshold);
    if (!same_kind || *lock > tx.lock_time) return unsatisfied;
    // A final sequence would let the transaction be final whatever its lock time.
    if (sequence == kSequenceFinal) return unsatisfied;
    return {};
  }
  // BIP112: a disabled argument is a NOP; otherwise the input's BIP68 lock must be at least as
  // long, and of the same kind (blocks or 512-second units).
  const auto argument = static_cast<uint64_t>(*lock);
  if ((argument & kSequenceDisableFlag) != 0) return {};
  if (static_cast<uint32_t>(tx.version) < 2) return unsatisfied;
  if ((sequence & kSequenceDisableFlag) != 0) return unsatisfied;
  const uint64_t kind_mask = kSequenceTypeFlag | kSequenceMask;
  const uint64_t wanted = argument & kind_mask;
  const uint64_t have = sequence & kind_mask;
  if ((wanted < kSequenceTypeFlag) != (have < kSequenceTypeFlag)) return unsatisfied;
  if (wanted > have) return unsatisfied;
  return {};
}

}  // namespace

Result<std::vector<crypto::SchnorrCheck>> ExecuteTapscript(util::ByteSpan script,
                                                           std::vector<util::Bytes> stack,
                                                           const TapscriptSpend& spend) {
  // BIP342: any OP_SUCCESSx makes the script succeed, provided the script decodes up to it.
  for (size_t pc = 0; pc < script.size();) {
    auto ins = NextInstruction(script, pc);
    if (!ins) return std::unexpected(Error::kScriptBadOpcode);
    if (op::IsOpSuccess(ins->opcode)) {
      if (spend.standard) return std::unexpected(Error::kPolicyOpSuccess);
      return std::vector<crypto::SchnorrCheck>{};
    }
  }
  if (stack.size() > kMaxStackSize) return std::unexpected(Error::kScriptStackSize);
  for (const util::Bytes& element : stack) {
    if (element.size() > kMaxElementSize) return std::unexpected(Error::kScriptPushSize);
  }
  Interpreter interpreter(std::move(stack), spend);
  if (auto ran = interpreter.Run(script); !ran) return std::unexpected(ran.error());
  return interpreter.TakeChecks();
}

}  // namespace parthenon::consensus

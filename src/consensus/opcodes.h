// Script opcodes of Bitcoin's tapscript set (BIP342), by value. Header-only constants.
#pragma once

#include <cstdint>

namespace parthenon::consensus::op {

inline constexpr uint8_t k0 = 0x00;
inline constexpr uint8_t kPushData1 = 0x4c;
inline constexpr uint8_t kPushData2 = 0x4d;
inline constexpr uint8_t kPushData4 = 0x4e;
inline constexpr uint8_t k1Negate = 0x4f;
inline constexpr uint8_t k1 = 0x51;
inline constexpr uint8_t k2 = 0x52;
inline constexpr uint8_t k3 = 0x53;
inline constexpr uint8_t k16 = 0x60;
inline constexpr uint8_t kNop = 0x61;
inline constexpr uint8_t kIf = 0x63;
inline constexpr uint8_t kNotIf = 0x64;
inline constexpr uint8_t kVerIf = 0x65;
inline constexpr uint8_t kVerNotIf = 0x66;
inline constexpr uint8_t kElse = 0x67;
inline constexpr uint8_t kEndIf = 0x68;
inline constexpr uint8_t kVerify = 0x69;
inline constexpr uint8_t kReturn = 0x6a;
inline constexpr uint8_t kToAltStack = 0x6b;
inline constexpr uint8_t kFromAltStack = 0x6c;
inline constexpr uint8_t k2Drop = 0x6d;
inline constexpr uint8_t k2Dup = 0x6e;
inline constexpr uint8_t k3Dup = 0x6f;
inline constexpr uint8_t k2Over = 0x70;
inline constexpr uint8_t k2Rot = 0x71;
inline constexpr uint8_t k2Swap = 0x72;
inline constexpr uint8_t kIfDup = 0x73;
inline constexpr uint8_t kDepth = 0x74;
inline constexpr uint8_t kDrop = 0x75;
inline constexpr uint8_t kDup = 0x76;
inline constexpr uint8_t kNip = 0x77;
inline constexpr uint8_t kOver = 0x78;
inline constexpr uint8_t kPick = 0x79;
inline constexpr uint8_t kRoll = 0x7a;
inline constexpr uint8_t kRot = 0x7b;
inline constexpr uint8_t kSwap = 0x7c;
inline constexpr uint8_t kTuck = 0x7d;
inline constexpr uint8_t kSize = 0x82;
inline constexpr uint8_t kEqual = 0x87;
inline constexpr uint8_t kEqualVerify = 0x88;
inline constexpr uint8_t k1Add = 0x8b;
inline constexpr uint8_t k1Sub = 0x8c;
inline constexpr uint8_t kNegate = 0x8f;
inline constexpr uint8_t kAbs = 0x90;
inline constexpr uint8_t kNot = 0x91;
inline constexpr uint8_t k0NotEqual = 0x92;
inline constexpr uint8_t kAdd = 0x93;
inline constexpr uint8_t kSub = 0x94;
inline constexpr uint8_t kBoolAnd = 0x9a;
inline constexpr uint8_t kBoolOr = 0x9b;
inline constexpr uint8_t kNumEqual = 0x9c;
inline constexpr uint8_t kNumEqualVerify = 0x9d;
inline constexpr uint8_t kNumNotEqual = 0x9e;
inline constexpr uint8_t kLessThan = 0x9f;
inline constexpr uint8_t kGreaterThan = 0xa0;
inline constexpr uint8_t kLessThanOrEqual = 0xa1;
inline constexpr uint8_t kGreaterThanOrEqual = 0xa2;
inline constexpr uint8_t kMin = 0xa3;
inline constexpr uint8_t kMax = 0xa4;
inline constexpr uint8_t kWithin = 0xa5;
inline constexpr uint8_t kRipemd160 = 0xa6;
inline constexpr uint8_t kSha1 = 0xa7;
inline constexpr uint8_t kSha256 = 0xa8;
inline constexpr uint8_t kHash160 = 0xa9;
inline constexpr uint8_t kHash256 = 0xaa;
inline constexpr uint8_t kCodeSeparator = 0xab;
inline constexpr uint8_t kCheckSig = 0xac;
inline constexpr uint8_t kCheckSigVerify = 0xad;
inline constexpr uint8_t kCheckMultiSig = 0xae;
inline constexpr uint8_t kCheckMultiSigVerify = 0xaf;
inline constexpr uint8_t kNop1 = 0xb0;
inline constexpr uint8_t kCheckLockTimeVerify = 0xb1;
inline constexpr uint8_t kCheckSequenceVerify = 0xb2;
inline constexpr uint8_t kNop4 = 0xb3;
inline constexpr uint8_t kNop10 = 0xb9;
inline constexpr uint8_t kCheckSigAdd = 0xba;
inline constexpr uint8_t kInvalidOpcode = 0xff;

// BIP342 OP_SUCCESSx: 80, 98, 126-129, 131-134, 137-138, 141-142, 149-153, 187-254.
constexpr bool IsOpSuccess(uint8_t opcode) {
  return opcode == 80 || opcode == 98 || (opcode >= 126 && opcode <= 129) ||
         (opcode >= 131 && opcode <= 134) || (opcode >= 137 && opcode <= 138) ||
         (opcode >= 141 && opcode <= 142) || (opcode >= 149 && opcode <= 153) ||
         (opcode >= 187 && opcode <= 254);
}

}  // namespace parthenon::consensus::op

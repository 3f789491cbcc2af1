// Fuzzes the asmap interpreter (--asmap files are operator-supplied but may be damaged): any
// program and any address must interpret without reading past the program. The first 16 bytes
// are the address, the rest the program.
#include <vector>

#include "fuzz_check.h"
#include "p2p/peerdb/asmap.h"

using namespace parthenon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 16) return 0;
  p2p::wire::NetAddress::IpBytes ip;
  for (size_t i = 0; i < 16; ++i) ip[i] = std::byte{data[i]};
  const util::ByteSpan program = fuzz::Input(data + 16, size - 16);
  auto map = p2p::Asmap::FromBytes(program);
  if (!map) return 0;
  const uint32_t asn = map->Lookup(p2p::wire::NetAddress(ip, 0));
  fuzz::Check(asn < (1u << 25), "an ASN fits the format's largest class");
  return 0;
}

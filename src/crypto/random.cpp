#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "util/bytes.h"

namespace parthenon::crypto {

void RandomBytes(std::span<std::byte> out) {
  if (RAND_bytes(util::WritableUChars(out), static_cast<int>(out.size())) != 1) std::abort();
}

}  // namespace parthenon::crypto

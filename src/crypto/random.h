// Secret randomness from OpenSSL's CSPRNG (seeded by the operating system): keys, nonces and
// the per-process keys of hash tables whose keys a peer chooses.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>
#include <span>

namespace parthenon::crypto {

// Fills `out`; aborts if the generator fails (there is no safe way to go on without it).
void RandomBytes(std::span<std::byte> out);

}  // namespace parthenon::crypto

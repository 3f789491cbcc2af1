// What the kernel offers for sending without copies through user space, probed once per process:
// sendfile(2) (file → socket), splice(2) (file → pipe), MSG_ZEROCOPY (SO_ZEROCOPY sends from
// pinned user pages), kernel TLS (the "tls" TCP upper-layer protocol, CONFIG_TLS) and io_uring.
// The session serves stored blocks with sendfile on plaintext links when it is offered; the rest
// is reported (start-up log, getnetworkinfo, gettlsinfo) so an operator knows which paths run.
// docs/networking.md ("Zero-copy capabilities") explains each entry.
//
// Thread-safety: thread-safe (the probe runs once, under a function-local static).
#pragma once

#include <string>

namespace parthenon::p2p::transport {

struct ZeroCopyCapabilities {
  bool sendfile = false;      // sendfile(2) from a regular file into a socket
  bool splice = false;        // splice(2) from a regular file into a pipe
  bool msg_zerocopy = false;  // setsockopt(SO_ZEROCOPY) accepted on a TCP socket
  bool ktls = false;          // the kernel's TLS ULP is available (CONFIG_TLS)
  bool ktls_openssl = false;  // this OpenSSL was built with kernel TLS support
  bool io_uring = false;      // io_uring_setup(2) succeeds (not blocked by seccomp or sysctl)

  // "sendfile=yes splice=yes msg_zerocopy=yes ktls=no (kernel) io_uring=no".
  std::string ToString() const;
};

// The capabilities of this kernel (probed on first use with throwaway descriptors).
const ZeroCopyCapabilities& ProbeZeroCopy();

}  // namespace parthenon::p2p::transport

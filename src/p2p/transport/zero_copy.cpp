#include "p2p/transport/zero_copy.h"

#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/opensslconf.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <string_view>

namespace parthenon::p2p::transport {
namespace {

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// A one-page in-memory file to read from.
int SmallFile() {
  const int fd = ::memfd_create("parthenon-zero-copy-probe", MFD_CLOEXEC);
  if (fd < 0) return -1;
  const char data[16] = "zero-copy-probe";
  if (::write(fd, data, sizeof data) != static_cast<ssize_t>(sizeof data)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool ProbeSendfile() {
  Fd file(SmallFile());
  int pair[2];
  if (!file.ok() || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return false;
  Fd a(pair[0]), b(pair[1]);
  off_t offset = 0;
  return ::sendfile(a.get(), file.get(), &offset, 16) == 16;
}

bool ProbeSplice() {
  Fd file(SmallFile());
  int pipe_fds[2];
  if (!file.ok() || ::pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
  Fd in(pipe_fds[0]), out(pipe_fds[1]);
  loff_t offset = 0;
  return ::splice(file.get(), &offset, out.get(), nullptr, 16, 0) == 16;
}

bool ProbeMsgZerocopy() {
#ifdef SO_ZEROCOPY
  Fd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  return socket.ok() && ::setsockopt(socket.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) == 0;
#else
  return false;
#endif
}

// The kernel lists the TCP upper-layer protocols it has loaded; "tls" may also be a module that
// loads on first use, which setting it on a socket finds out (ENOENT: not in this kernel;
// ENOTCONN: it exists, the socket is just not connected).
bool ProbeKernelTls() {
  std::ifstream available("/proc/sys/net/ipv4/tcp_available_ulp");
  std::string name;
  while (available >> name) {
    if (name == "tls") return true;
  }
  Fd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket.ok()) return false;
  constexpr std::string_view kTls = "tls";
  const int rc = ::setsockopt(socket.get(), SOL_TCP, TCP_ULP, kTls.data(), kTls.size());
  return rc == 0 || errno != ENOENT;
}

bool ProbeIoUring() {
  io_uring_params params{};
  const long fd = ::syscall(__NR_io_uring_setup, 1, &params);
  if (fd < 0) return false;
  ::close(static_cast<int>(fd));
  return true;
}

const char* YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace

std::string ZeroCopyCapabilities::ToString() const {
  const char* ktls_text = ktls ? (ktls_openssl ? "yes" : "kernel only (OpenSSL built without)")
                               : "no (kernel has no TLS ULP)";
  return fmt::format("sendfile={} splice={} msg_zerocopy={} ktls={} io_uring={}", YesNo(sendfile),
                     YesNo(splice), YesNo(msg_zerocopy), ktls_text, YesNo(io_uring));
}

const ZeroCopyCapabilities& ProbeZeroCopy() {
  static const ZeroCopyCapabilities capabilities = [] {
    ZeroCopyCapabilities found;
    found.sendfile = ProbeSendfile();
    found.splice = ProbeSplice();
    found.msg_zerocopy = ProbeMsgZerocopy();
    found.ktls = ProbeKernelTls();
#ifndef OPENSSL_NO_KTLS
    found.ktls_openssl = true;
#endif
    found.io_uring = ProbeIoUring();
    return found;
  }();
  return capabilities;
}

}  // namespace parthenon::p2p::transport

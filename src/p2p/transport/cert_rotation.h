// CertificateRotation: watches a certificate/key pair and reports a replacement (seed document
// "TLS Certificate Rotation"). A background thread checks the files every interval: when their
// contents changed and the new pair loads and matches, the rotation callback runs with the new
// CertificateInfo (the network manager then builds a new TlsContext: new connections use it,
// existing ones keep theirs). A pair that does not load (e.g. certificate replaced, key not
// yet) is retried at the next check. Each check also warns when the certificate expires within
// the warning window.
//
// Thread-safety: thread-safe. Callbacks run on the watcher thread (or the caller of CheckNow),
// never concurrently with each other; they must not call Stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "p2p/transport/certificate.h"

namespace parthenon::p2p::transport {

class CertificateRotation {
 public:
  using Callback = std::function<void(const CertificateInfo&)>;

  CertificateRotation() = default;
  ~CertificateRotation();  // Stop()s
  CertificateRotation(const CertificateRotation&) = delete;
  CertificateRotation& operator=(const CertificateRotation&) = delete;

  // Seed API: watches <directory>/cert.pem and <directory>/key.pem every interval seconds.
  [[nodiscard]] TlsResult<void> Init(const std::string& directory, int64_t interval_seconds);
  // Watches the given pair. Loads it now (failing if it does not load).
  [[nodiscard]] TlsResult<void> Init(std::string cert_path, std::string key_path,
                                     std::chrono::milliseconds interval,
                                     std::chrono::seconds expiry_warning = std::chrono::hours(720));
  // REQUIRES: before Start().
  void SetRotationCallback(Callback callback);
  // Runs at each check while the certificate is within the warning window (or expired).
  void SetExpiryWarningCallback(Callback callback);
  // Starts the watcher thread. REQUIRES: Init() succeeded.
  void Start();
  void Stop();

  // One check now; true if the certificate was rotated.
  bool CheckNow();
  CertificateInfo Current() const;
  uint64_t rotations() const;
  bool expiring_soon() const;

  static TlsResult<void> GenerateSelfSigned(const std::string& cert_path,
                                            const std::string& key_path, int days) {
    return transport::GenerateSelfSigned(cert_path, key_path, SelfSignedOptions{.days = days});
  }

 private:
  std::string Signature() const;  // the files' contents, to notice any change

  // Constant after Init().
  std::string cert_path_;
  std::string key_path_;
  std::chrono::milliseconds interval_{std::chrono::hours(1)};
  std::chrono::seconds expiry_warning_{std::chrono::hours(720)};
  Callback on_rotation_;  // constant after Start()
  Callback on_expiry_warning_;

  std::mutex check_mutex_;  // serializes checks (and callbacks)
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;        // guarded by mutex_
  CertificateInfo current_;      // guarded by mutex_
  std::string signature_;        // guarded by check_mutex_
  uint64_t rotations_ = 0;       // guarded by mutex_
  bool expiring_soon_ = false;   // guarded by mutex_
  std::thread thread_;           // Start/Stop
};

}  // namespace parthenon::p2p::transport

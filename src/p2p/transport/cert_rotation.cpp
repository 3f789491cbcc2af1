#include "p2p/transport/cert_rotation.h"

#include <fstream>
#include <sstream>

#include "util/logging.h"

namespace parthenon::p2p::transport {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

CertificateRotation::~CertificateRotation() { Stop(); }

TlsResult<void> CertificateRotation::Init(const std::string& directory, int64_t interval_seconds) {
  return Init(directory + "/cert.pem", directory + "/key.pem",
              std::chrono::seconds(interval_seconds));
}

TlsResult<void> CertificateRotation::Init(std::string cert_path, std::string key_path,
                                          std::chrono::milliseconds interval,
                                          std::chrono::seconds expiry_warning) {
  auto info = LoadCertificateInfo(cert_path, key_path);
  if (!info) return std::unexpected(info.error());
  cert_path_ = std::move(cert_path);
  key_path_ = std::move(key_path);
  interval_ = interval;
  expiry_warning_ = expiry_warning;
  signature_ = Signature();
  std::lock_guard lock(mutex_);
  current_ = std::move(*info);
  return {};
}

void CertificateRotation::SetRotationCallback(Callback callback) {
  on_rotation_ = std::move(callback);
}
void CertificateRotation::SetExpiryWarningCallback(Callback callback) {
  on_expiry_warning_ = std::move(callback);
}

void CertificateRotation::Start() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  CheckNow();  // warn about expiry at once
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      CheckNow();
      lock.lock();
    }
  });
}

void CertificateRotation::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string CertificateRotation::Signature() const {
  return ReadAll(cert_path_) + '\0' + ReadAll(key_path_);
}

bool CertificateRotation::CheckNow() {
  std::lock_guard check(check_mutex_);
  auto& log = util::Log(util::LogCategory::kNet);
  bool rotated = false;
  if (std::string signature = Signature(); signature != signature_) {
    if (auto info = LoadCertificateInfo(cert_path_, key_path_)) {
      signature_ = std::move(signature);
      {
        std::lock_guard lock(mutex_);
        current_ = *info;
        ++rotations_;
      }
      log.info("TLS certificate rotated: subject=\"{}\" fingerprint={} valid until {}",
               info->subject, info->fingerprint, info->valid_until);
      if (on_rotation_) on_rotation_(*info);
      rotated = true;
    } else {
      log.warn("TLS certificate files changed but do not load ({}); keeping the current "
               "certificate, retrying at the next check",
               info.error().ToString());
    }
  }
  const CertificateInfo info = Current();
  const bool soon = info.IsExpiringSoon(expiry_warning_.count() / 86400);
  {
    std::lock_guard lock(mutex_);
    expiring_soon_ = soon;
  }
  if (soon) {
    log.warn("TLS certificate {} {} (valid until {}); replace it", info.cert_path,
             info.IsExpired() ? "has expired" : "expires soon", info.valid_until);
    if (on_expiry_warning_) on_expiry_warning_(info);
  }
  return rotated;
}

CertificateInfo CertificateRotation::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

uint64_t CertificateRotation::rotations() const {
  std::lock_guard lock(mutex_);
  return rotations_;
}

bool CertificateRotation::expiring_soon() const {
  std::lock_guard lock(mutex_);
  return expiring_soon_;
}

}  // namespace parthenon::p2p::transport

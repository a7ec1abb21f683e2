// Copyright 2026 The Candor Authors.
//
// Probe images kept for examiner review, sealed at rest with common/seal.h
// (XChaCha20-Poly1305, the search id as associated data) under a key derived
// from the store key, one file per search (<dir>/<search_id>.probe), written
// temp + fsync + rename. Files written before that helper (libsodium
// secretbox) still open. Deleted by the retention purge. Thread-safe (files
// are independent; ids are validated).

#ifndef CANDOR_SERVER_PROBE_VAULT_H_
#define CANDOR_SERVER_PROBE_VAULT_H_

#include <filesystem>
#include <string>

#include "candor/gallery.h"
#include "candor/status.h"
#include "common/seal.h"

namespace candor::server {

class ProbeVault {
 public:
  ProbeVault(std::filesystem::path dir, const StoreKey& key);
  Status Put(const std::string& search_id, const std::string& image);
  // NOT_FOUND if absent or purged; DATA_LOSS if it fails authentication.
  StatusOr<std::string> Get(const std::string& search_id) const;
  Status Delete(const std::string& search_id);  // OK if already absent

 private:
  StatusOr<std::filesystem::path> PathFor(const std::string& id) const;
  std::filesystem::path dir_;
  crypto::Key key_;
};

}  // namespace candor::server

#endif  // CANDOR_SERVER_PROBE_VAULT_H_

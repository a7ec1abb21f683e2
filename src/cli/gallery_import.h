// Copyright 2026 The Candor Authors.
//
// `candor gallery import NAME --file F [--batch N]`: bulk import of
// precomputed templates (gallery/importer.h; file format in
// gallery/template_file.h and docs/STORE.md "Bulk import"). Enroller or admin
// only, as `candor enroll`; one audit entry per durable group commit (so what
// is stored is audited even if the run dies) and a summary; resumable (run it
// again); a progress line on stderr. Header-only; used only by cmd_gallery.cc.

#ifndef CANDOR_CLI_GALLERY_IMPORT_H_
#define CANDOR_CLI_GALLERY_IMPORT_H_

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/operator_gate.h"
#include "gallery/importer.h"

namespace candor::cli {

struct ImportArgs {
  std::string gallery;
  std::string file;
  size_t batch = 50000;
};

inline void PrintImportProgress(const gallery::ImportProgress& p, bool tty) {
  const double pct = p.total ? 100.0 * static_cast<double>(p.read) / static_cast<double>(p.total) : 100.0;
  const double rate = p.seconds > 0 ? static_cast<double>(p.read) / p.seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(p.total - p.read) / rate : 0;
  const int bar = static_cast<int>(pct / 5);
  std::fprintf(stderr, "%s[%-20.*s] %5.1f %%  %llu/%llu records (%llu imported, %llu already there)  "
               "%.0f /s  %.1f MB/s  ETA %.0f s%s",
               tty ? "\r" : "", bar, "####################", pct, static_cast<unsigned long long>(p.read),
               static_cast<unsigned long long>(p.total), static_cast<unsigned long long>(p.imported),
               static_cast<unsigned long long>(p.skipped), rate,
               p.seconds > 0 ? static_cast<double>(p.bytes) / p.seconds / 1e6 : 0.0, eta, tty ? "" : "\n");
  std::fflush(stderr);
}

inline Status RunImport(const ImportArgs& a, const StoreFlags& store_flags, const GovernFlags& govern,
                        const GlobalOptions& global) {
  const char* action = "gallery.import";
  CANDOR_ASSIGN_OR_RETURN(OperatorGate gate, OpenOperatorGateFor(govern, store_flags,
                                                                 {Role::kEnroller, Role::kAdmin}, action,
                                                                 a.gallery));
  Status audit_error;
  auto run = [&]() -> StatusOr<gallery::ImportProgress> {
    CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(store_flags, false, false));
    const bool tty = ::isatty(2) != 0;
    uint64_t last_imported = 0, last_read = 0;
    gallery::ImportOptions o;
    o.batch = a.batch;
    o.on_batch = [&](const gallery::ImportProgress& p) {
      if (p.imported > last_imported) {
        Status s = AuditAction(gate, action, a.gallery, OkStatus(),
                               "group commit: " + std::to_string(p.imported - last_imported) +
                                   " subjects imported from records " + std::to_string(last_read) + ".." +
                                   std::to_string(p.read - 1) + " of " + a.file);
        if (!s.ok()) {
          audit_error = s;
          return false;  // nothing more is stored unaudited
        }
      }
      last_imported = p.imported;
      last_read = p.read;
      if (!global.json) PrintImportProgress(p, tty);
      return true;
    };
    auto p = gallery::ImportTemplates(*store, a.gallery, a.file, o);
    if (!global.json && tty) std::fputc('\n', stderr);
    return p;
  }();
  if (!audit_error.ok()) return audit_error;
  const std::string detail =
      run.ok() ? "import of " + a.file + ": " + std::to_string(run->imported) + " imported, " +
                     std::to_string(run->skipped) + " already there"
               : "import of " + a.file;
  CANDOR_RETURN_IF_ERROR(AuditAction(gate, action, a.gallery, run.status(), detail));
  const gallery::ImportProgress& p = *run;
  if (global.json) {
    std::cout << nlohmann::json{{"gallery", a.gallery}, {"file", a.file},     {"records", p.total},
                                {"imported", p.imported}, {"skipped", p.skipped}, {"batches", p.batches},
                                {"seconds", p.seconds}}
                     .dump(2)
              << std::endl;
  } else {
    std::cout << "imported " << p.imported << " templates into " << a.gallery << " (" << p.skipped
              << " already there) in " << p.seconds << " s" << std::endl;
  }
  return OkStatus();
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_GALLERY_IMPORT_H_

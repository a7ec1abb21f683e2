// Copyright 2026 The Candor Authors.
//
// Bulk import of precomputed templates (a template file, template_file.h)
// into a gallery through Store::Enroll group commits: the same sealing,
// durability and index path as any enrollment (docs/STORE.md "Bulk import").
//
// Resumable: records are enrolled in file order in batches, each batch one
// atomic group commit, so what an interrupted import stored is a prefix of
// the file. Run again, the import skips every batch whose last subject is
// already enrolled (one lookup per batch) and, in the batch where it stopped,
// each subject already enrolled (only until this run's first commit); it
// never enrolls a subject twice.
//
// Each imported template has no source image; its image_sha256 is the SHA-256
// of its record in the file (so HasImage answers for it).
//
// Errors: those of the file (template_file.h) naming file and offset, and of
// Store::Enroll (e.g. the gallery's model differs from the file's:
// INVALID_ARGUMENT; a subject id repeated in the file: INVALID_ARGUMENT within
// a batch, ALREADY_EXISTS across batches). What was committed before an error stays. Thread safety: one import
// per store at a time (Enroll serialises writers anyway).

#ifndef CANDOR_GALLERY_IMPORTER_H_
#define CANDOR_GALLERY_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "candor/gallery.h"
#include "candor/status.h"

namespace candor::gallery {

struct ImportProgress {
  uint64_t total = 0;       // records in the file
  uint64_t read = 0;        // records read so far
  uint64_t imported = 0;    // enrolled by this run
  uint64_t skipped = 0;     // already enrolled (an earlier, interrupted run)
  uint64_t batches = 0;     // group commits made by this run
  uint64_t bytes = 0, file_bytes = 0;
  double seconds = 0;
};

struct ImportOptions {
  size_t batch = 50000;  // subjects per group commit (>= 1)
  // Called after every batch (committed or skipped); returning false stops
  // the import after that batch (OK status, progress so far).
  std::function<bool(const ImportProgress&)> on_batch;
};

StatusOr<ImportProgress> ImportTemplates(Store& store, const std::string& gallery,
                                         const std::string& path, const ImportOptions& options);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_IMPORTER_H_

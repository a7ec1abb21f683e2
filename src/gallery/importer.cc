// Copyright 2026 The Candor Authors.

#include "gallery/importer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "gallery/template_file.h"

namespace candor::gallery {
namespace {

StatusOr<bool> Enrolled(const Store& store, const std::string& gallery, const std::string& id) {
  auto s = store.GetSubject(gallery, id, false);
  if (s.ok()) return true;
  if (s.status().code() == Code::kNotFound) return false;
  return s.status();
}

}  // namespace

StatusOr<ImportProgress> ImportTemplates(Store& store, const std::string& gallery,
                                         const std::string& path, const ImportOptions& options) {
  if (options.batch < 1) return InvalidArgumentError("import: batch must be >= 1");
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<TemplateFileReader> file, TemplateFileReader::Open(path));
  const TemplateFileHeader& h = file->header();
  if (g.dim > 0 && (g.dim != h.dim || g.model_id != h.model_id || g.model_sha256 != h.model_sha256)) {
    return InvalidArgumentError("import: " + path + " holds templates of model '" + h.model_id + "' (dim " +
                                std::to_string(h.dim) + "), gallery '" + gallery + "' is bound to '" +
                                g.model_id + "' (dim " + std::to_string(g.dim) + ")");
  }
  const auto t0 = std::chrono::steady_clock::now();
  ImportProgress p;
  p.total = h.count;
  p.file_bytes = file->file_bytes();
  std::vector<EnrollRequest> batch;
  std::string id;
  std::vector<float> values;
  bool more = true;
  while (more) {
    batch.clear();
    while (batch.size() < options.batch) {
      Sha256Bytes sha;
      CANDOR_ASSIGN_OR_RETURN(more, file->Next(&id, &values, &sha));
      if (!more) break;
      double n2 = 0;
      for (float v : values) n2 += static_cast<double>(v) * v;
      if (!(n2 > 1e-20)) {
        return InvalidArgumentError("import: " + path + ": record " + std::to_string(file->records_read() - 1) +
                                    " (subject '" + id + "') has a zero template");
      }
      for (float& v : values) v = static_cast<float>(v / std::sqrt(n2));
      EnrollRequest r;
      r.subject_id = id;
      TemplateInput in;
      in.tmpl.model_id = h.model_id;
      in.tmpl.model_sha256 = h.model_sha256;
      in.tmpl.values = values;
      in.tmpl.flags = kTemplateL2Normalized;
      in.image_sha256 = sha;
      r.templates.push_back(std::move(in));
      batch.push_back(std::move(r));
    }
    if (batch.empty()) break;
    p.read = file->records_read();
    // Resume: a batch whose last subject is enrolled was committed whole
    // (batches are atomic and in file order); otherwise drop the subjects an
    // interrupted run with other batch bounds already enrolled.
    // Once this run has enrolled, everything after is new: a repeated subject
    // id is then Enroll's error, never a skip.
    const bool resuming = p.batches == 0;
    bool last_done = false;
    if (resuming) {
      CANDOR_ASSIGN_OR_RETURN(last_done, Enrolled(store, gallery, batch.back().subject_id));
    }
    if (last_done) {
      p.skipped += batch.size();
    } else {
      size_t keep = 0;
      bool checking = resuming;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (checking) {
          CANDOR_ASSIGN_OR_RETURN(bool done, Enrolled(store, gallery, batch[i].subject_id));
          if (done) {
            ++p.skipped;
            continue;
          }
          checking = false;  // the committed part is a prefix
        }
        if (keep != i) batch[keep] = std::move(batch[i]);
        ++keep;
      }
      batch.resize(keep);
      Status s = store.Enroll(gallery, batch);
      if (!s.ok()) {
        return s.WithContext("import of " + path + " stopped before record " +
                             std::to_string(p.read - batch.size()) + " (" + std::to_string(p.imported) +
                             " imported by this run, all committed)");
      }
      p.imported += batch.size();
      ++p.batches;
    }
    for (auto& r : batch) {
      for (auto& t : r.templates) std::fill(t.tmpl.values.begin(), t.tmpl.values.end(), 0.0f);
    }
    p.bytes = file->offset();
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (options.on_batch && !options.on_batch(p)) break;
  }
  std::fill(values.begin(), values.end(), 0.0f);
  p.read = file->records_read();
  p.bytes = file->offset();
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return p;
}

}  // namespace candor::gallery

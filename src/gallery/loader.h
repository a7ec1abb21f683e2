// Copyright 2026 The Candor Authors.
//
// The bulk load at Store::Open: reads every template row (with its subject),
// checks both rows' MACs, unwraps each subject's data key, checks every
// record's CRC-32C, decrypts every template and adds it to its gallery's
// search index. SQLite rows are read on the calling thread in chunks while
// `threads` workers verify and decrypt the previous chunk (a two-stage
// pipeline), so a 2-core machine keeps both cores busy. Segment files are
// memory-mapped read-only; no heap object is made per template.
//
// Errors: DATA_LOSS naming the table and row (metadata), or the segment file
// and offset (records); the first error in row order wins. Nothing is
// repaired or skipped.
//
// Thread safety: one call at a time per store (it runs inside Store::Open).

#ifndef CANDOR_GALLERY_LOADER_H_
#define CANDOR_GALLERY_LOADER_H_

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "candor/index.h"
#include "candor/status.h"
#include "common/sqlite.h"
#include "gallery/crypto.h"
#include "gallery/row_mac.h"

namespace candor::gallery {

struct LoadGallery {
  std::string name;
  int dim = 0;             // 0: no model bound yet (must hold no template)
  Index* index = nullptr;  // receives the templates
  // Only these template ids (ascending) are loaded; null: all of the gallery's.
  const std::vector<int64_t>* only = nullptr;
  int64_t templates = 0;   // out: templates loaded into it
};

// CPU seconds per stage, summed over threads.
struct LoadStageTimes {
  double row_read = 0;   // SQLite row read + canonical row encoding (calling thread)
  double row_mac = 0;    // subject and template row MACs
  double unwrap = 0;     // subject data key unwrap (AEAD)
  double crc = 0;        // record bounds + CRC-32C
  double decrypt = 0;    // template AEAD decrypt
  double index_add = 0;  // quantise + append to the index (calling thread)
};

struct LoadRequest {
  const sqlite::Db* db = nullptr;
  std::string seg_dir;
  const Key* master = nullptr;
  const RowMac* row_mac = nullptr;
  std::unordered_map<int64_t, LoadGallery*> galleries;  // by gallery row id
  int threads = 2;                                      // verify/decrypt workers, >= 1
  int64_t min_template_id = 0;                          // rows with smaller ids are not read
};

struct LoadResult {
  std::map<uint32_t, uint64_t> seg_ends;  // committed end of each referenced segment
  int64_t templates = 0;
  int64_t max_template_id = 0;
  LoadStageTimes cpu;
};

Status LoadAllTemplates(const LoadRequest& request, LoadResult& result);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_LOADER_H_

// Copyright 2026 The Candor Authors.
//
// Fingerprint templates in the store (docs/STORE.md, "Fingerprints"): the
// finger_templates table, its row MAC columns, and the sealed record of one
// finger in fingers/ segments (the image record layout with kind 3: AD binds
// the kind, template id, subject row and gallery row; the plaintext is the
// CNDF template of candor/finger.h, itself CRC-checked).
//
// Errors: DATA_LOSS naming the table and row (a row failing its MAC) or the
// segment file and offset (a record failing its CRC, authentication or parse).
// Thread safety: pure functions of their arguments (the Stmt belongs to the caller).

#ifndef CANDOR_GALLERY_FINGER_ROWS_H_
#define CANDOR_GALLERY_FINGER_ROWS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "candor/finger.h"
#include "candor/status.h"
#include "common/sqlite.h"
#include "gallery/crypto.h"
#include "gallery/env.h"
#include "gallery/image_record.h"
#include "gallery/row_mac.h"

namespace candor::gallery {

// Created by any writer open (CREATE TABLE IF NOT EXISTS); a store that only
// older builds have written has none and holds no fingerprints.
inline constexpr char kFingerSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS finger_templates(
  id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL, gallery_id INTEGER NOT NULL,
  segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  finger_position INTEGER NOT NULL, capture_date TEXT NOT NULL, quality REAL NOT NULL,
  image_sha256 BLOB NOT NULL, enrolled_at TEXT NOT NULL, row_mac BLOB);
CREATE INDEX IF NOT EXISTS finger_templates_by_subject ON finger_templates(subject_id);)sql";

// The columns FingerTemplateRow covers, in its order, then row_mac (alias f).
inline constexpr std::string_view kFingerCols =
    "f.id, f.subject_id, f.gallery_id, f.segment, f.offset, f.length, f.finger_position, "
    "f.capture_date, f.quality, f.image_sha256, f.enrolled_at, f.row_mac";
inline constexpr int kFingerColCount = 12;
inline constexpr int kFingerShaCol = 9;  // image_sha256, relative to the first column

// The row at columns [c, c + 11] of `q` (views into q's current row).
FingerTemplateRow FingerRowAt(const sqlite::Stmt& q, int c);
// Checks the row MAC at column c + 11.
Status CheckFingerRow(const RowMac& mac, const sqlite::Stmt& q, int c);

inline constexpr uint8_t kFingerRecordKind = 3;

// Seals `cndf` (SerializeFingerTemplate bytes) for template `template_id` of
// subject row `subject_row` in gallery row `gallery_row`; appends the payload.
void EncodeFingerRecord(const Key& data_key, int64_t template_id, int64_t subject_row,
                        int64_t gallery_row, std::span<const uint8_t> cndf,
                        std::vector<uint8_t>& out);

// Reads the record at (segment, offset, length) of `dir`, checks its CRC,
// opens it and parses the finger template.
StatusOr<finger::FingerTemplate> ReadFingerRecord(Env* env, const std::string& dir,
                                                  const Key& data_key, int64_t template_id,
                                                  int64_t subject_row, int64_t gallery_row,
                                                  uint32_t segment, uint64_t offset,
                                                  uint32_t length);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_FINGER_ROWS_H_

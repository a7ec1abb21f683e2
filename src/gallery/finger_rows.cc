// Copyright 2026 The Candor Authors.

#include "gallery/finger_rows.h"

#include <sodium.h>

#include <algorithm>

#include "gallery/segment.h"

namespace candor::gallery {

FingerTemplateRow FingerRowAt(const sqlite::Stmt& q, int c) {
  return FingerTemplateRow{q.Int(c),      q.Int(c + 1),      q.Int(c + 2),   q.Int(c + 3),
                           q.Int(c + 4),  q.Int(c + 5),      q.Int(c + 6),   q.TextView(c + 7),
                           q.Double(c + 8), q.Blob(c + 9),   q.TextView(c + 10)};
}

Status CheckFingerRow(const RowMac& mac, const sqlite::Stmt& q, int c) {
  const FingerTemplateRow r = FingerRowAt(q, c);
  RowEncoder enc;
  const auto encoded = enc.Encode(r);
  if (mac.Matches(encoded, q.Blob(c + 11))) return OkStatus();
  return mac.Check(encoded, q.Blob(c + 11), "finger_templates", r.id,
                   "finger template " + std::to_string(r.id));
}

void EncodeFingerRecord(const Key& data_key, int64_t template_id, int64_t subject_row,
                        int64_t gallery_row, std::span<const uint8_t> cndf,
                        std::vector<uint8_t>& out) {
  EncodeImageRecord(data_key, {template_id, subject_row, gallery_row, kFingerRecordKind}, cndf,
                    out);
}

StatusOr<finger::FingerTemplate> ReadFingerRecord(Env* env, const std::string& dir,
                                                  const Key& data_key, int64_t template_id,
                                                  int64_t subject_row, int64_t gallery_row,
                                                  uint32_t segment, uint64_t offset,
                                                  uint32_t length) {
  const std::string path = SegmentPath(dir, segment);
  const std::string where = path + " at offset " + std::to_string(offset);
  if (length > kMaxRecordPayload) {
    return DataLossError("metadata: finger template " + std::to_string(template_id) +
                         " has a corrupt length");
  }
  CANDOR_ASSIGN_OR_RETURN(auto file, env->OpenRead(path));
  std::vector<uint8_t> buf(kRecordHeaderBytes + length);
  if (Status r = file->ReadAt(offset, buf); !r.ok()) {
    return DataLossError("cannot read finger template " + std::to_string(template_id) +
                         " from " + where + ": " + r.message());
  }
  CANDOR_ASSIGN_OR_RETURN(auto payload, DecodeRecord(buf, path, offset, length));
  CANDOR_ASSIGN_OR_RETURN(
      std::vector<uint8_t> cndf,
      DecodeImageRecord(data_key, payload,
                        {template_id, subject_row, gallery_row, kFingerRecordKind}, where));
  sodium_memzero(buf.data(), buf.size());
  auto t = finger::ParseFingerTemplate(cndf);
  sodium_memzero(cndf.data(), cndf.size());
  if (!t.ok()) {
    return DataLossError("finger template " + std::to_string(template_id) + " in " + where +
                         " does not parse: " + t.status().message());
  }
  return t;
}

}  // namespace candor::gallery

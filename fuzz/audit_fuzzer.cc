// Copyright 2026 The Candor Authors.
//
// audit_fuzzer: the audit-log readers over arbitrary bytes — record framing
// (ScanRecords), entry and checkpoint decoding, the anchor parser, and a
// re-encode round trip of every entry that decodes. `candor audit verify` runs
// these on files an attacker may have written. Must never crash, hang or leak.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "candor/audit.h"
#include "govern/audit_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  using namespace candor::audit_internal;
  static const AuditSigningKey key = GenerateAuditKey();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ScanResult scan = ScanRecords(bytes);
  if (scan.good_bytes > size) __builtin_trap();
  std::vector<uint8_t> head(32, 0);
  for (const Record& r : scan.records) {
    if (r.type == kTypeEntry) {
      std::string prev;
      auto e = DecodeEntry(r.payload, &prev);
      if (e.ok()) {
        // Re-encoding a decoded entry and decoding again must give the same entry.
        auto again = DecodeEntry(EncodeEntry(*e, head), nullptr);
        if (!again.ok() || again->seq != e->seq || again->reason != e->reason ||
            again->candidates_returned != e->candidates_returned) {
          __builtin_trap();
        }
      }
      head = ChainStep(head, r.payload);
    } else {
      auto c = DecodeCheckpoint(r.payload);
      if (c.ok()) (void)CheckpointSignatureValid(*c, key.public_key);
    }
  }
  (void)ParseAnchor(bytes, key.public_key);
  return 0;
}

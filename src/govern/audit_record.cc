// Copyright 2026 The Candor Authors.

#include "govern/audit_record.h"

#include <sodium.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/hash.h"

namespace candor::audit_internal {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint32_t RecordCrc(uint8_t type, std::string_view payload) {
  uint32_t crc = Crc32cExtend(0, std::span<const uint8_t>(&type, 1));
  crc = Crc32cExtend(crc, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()),
                                                   payload.size()));
  return Crc32cMask(crc);
}

bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

std::string Hex(const std::vector<uint8_t>& bytes) { return HexEncode(bytes); }

std::string EncodeRecord(uint8_t type, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  PutU32(&out, RecordCrc(type, payload));
  out.push_back(static_cast<char>(type));
  out.append(payload);
  return out;
}

ScanResult ScanRecords(std::string_view data) {
  ScanResult r;
  uint64_t off = 0;
  while (off < data.size()) {
    const uint64_t remaining = data.size() - off;
    if (remaining < kHeaderSize) {
      r.end = ScanEnd::kTornTail;
      r.problem = "incomplete record header at byte " + std::to_string(off);
      break;
    }
    const uint32_t len = GetU32(data.data() + off);
    const uint32_t crc = GetU32(data.data() + off + 4);
    const uint8_t type = static_cast<uint8_t>(data[off + 8]);
    if (AllZero(data.substr(off))) {  // a crash can leave zero-filled blocks
      r.end = ScanEnd::kTornTail;
      r.problem = "zero-filled tail at byte " + std::to_string(off);
      break;
    }
    if (len > kMaxPayload) {
      r.end = ScanEnd::kCorrupt;
      r.problem = "record at byte " + std::to_string(off) + " has an impossible length";
      break;
    }
    if (kHeaderSize + len > remaining) {
      // A length running past the end is what a torn append leaves.
      r.end = ScanEnd::kTornTail;
      r.problem = "record at byte " + std::to_string(off) + " runs past the end of the log";
      break;
    }
    std::string_view payload = data.substr(off + kHeaderSize, len);
    if (RecordCrc(type, payload) != crc || (type != kTypeEntry && type != kTypeCheckpoint)) {
      const bool last = off + kHeaderSize + len == data.size();
      r.end = last ? ScanEnd::kTornTail : ScanEnd::kCorrupt;
      r.problem = "record at byte " + std::to_string(off) + " fails its checksum";
      break;
    }
    r.records.push_back(Record{type, std::string(payload), off});
    off += kHeaderSize + len;
    r.good_bytes = off;
  }
  return r;
}

std::string EncodeEntry(const AuditEntry& e, const std::vector<uint8_t>& prev) {
  nlohmann::json j = {
      {"seq", e.seq},           {"time_ms", e.time_ms},       {"actor", e.actor},
      {"role", e.role},         {"action", e.action},         {"authorization", e.authorization_id},
      {"gallery", e.gallery},   {"probe_hash", e.probe_hash}, {"candidates", e.candidates_returned},
      {"decision", e.decision}, {"outcome", e.outcome},       {"reason", e.reason},
      {"prev", Hex(prev)}};
  // nlohmann::json objects are key-sorted: the dump is canonical.
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

StatusOr<AuditEntry> DecodeEntry(std::string_view payload, std::string* prev_hex) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("entry is not a JSON object");
  try {
    AuditEntry e;
    e.seq = j.at("seq").get<uint64_t>();
    e.time_ms = j.at("time_ms").get<int64_t>();
    e.actor = j.at("actor").get<std::string>();
    e.role = j.at("role").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.authorization_id = j.at("authorization").get<std::string>();
    e.gallery = j.at("gallery").get<std::string>();
    e.probe_hash = j.at("probe_hash").get<std::string>();
    e.candidates_returned = j.at("candidates").get<int64_t>();
    e.decision = j.at("decision").get<std::string>();
    e.outcome = j.at("outcome").get<std::string>();
    e.reason = j.at("reason").get<std::string>();
    if (prev_hex) *prev_hex = j.at("prev").get<std::string>();
    return e;
  } catch (const std::exception& ex) {
    return InvalidArgumentError(std::string("malformed entry: ") + ex.what());
  }
}

std::vector<uint8_t> ChainStep(const std::vector<uint8_t>& prev, std::string_view payload) {
  std::string buf(reinterpret_cast<const char*>(prev.data()), prev.size());
  buf.append(payload);
  Sha256Digest d = Sha256(std::string_view(buf));
  return std::vector<uint8_t>(d.begin(), d.end());
}

std::string CheckpointMessage(uint64_t count, std::string_view head_hex, int64_t time_ms) {
  return "candor.audit.checkpoint.v1|" + std::to_string(count) + "|" + std::string(head_hex) + "|" +
         std::to_string(time_ms);
}

std::string EncodeCheckpoint(uint64_t count, const std::vector<uint8_t>& head, int64_t time_ms,
                             const AuditSigningKey& key) {
  const std::string head_hex = Hex(head);
  const std::string msg = CheckpointMessage(count, head_hex, time_ms);
  std::vector<uint8_t> sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                       msg.size(), key.secret.data());
  nlohmann::json j = {
      {"count", count}, {"head", head_hex}, {"time_ms", time_ms}, {"sig", Hex(sig)}};
  return j.dump();
}

StatusOr<Checkpoint> DecodeCheckpoint(std::string_view payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("checkpoint is not JSON");
  try {
    Checkpoint c;
    c.count = j.at("count").get<uint64_t>();
    c.head_hex = j.at("head").get<std::string>();
    c.time_ms = j.at("time_ms").get<int64_t>();
    c.sig_hex = j.at("sig").get<std::string>();
    return c;
  } catch (const std::exception& ex) {
    return InvalidArgumentError(std::string("malformed checkpoint: ") + ex.what());
  }
}

bool CheckpointSignatureValid(const Checkpoint& c, const std::vector<uint8_t>& public_key) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) return false;
  if (c.sig_hex.size() != 2 * crypto_sign_BYTES) return false;
  std::vector<uint8_t> sig(crypto_sign_BYTES);
  size_t bin_len = 0;
  if (sodium_hex2bin(sig.data(), sig.size(), c.sig_hex.data(), c.sig_hex.size(), nullptr, &bin_len,
                     nullptr) != 0 ||
      bin_len != sig.size()) {
    return false;
  }
  const std::string msg = CheckpointMessage(c.count, c.head_hex, c.time_ms);
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(msg.data()),
                                     msg.size(), public_key.data()) == 0;
}

std::string AnchorSlot(std::string_view checkpoint_payload) {
  std::string slot(checkpoint_payload);
  if (slot.size() + 1 > kAnchorSlotSize) slot.resize(kAnchorSlotSize - 1);  // never: ~260 bytes
  slot.resize(kAnchorSlotSize - 1, ' ');
  slot.push_back('\n');
  return slot;
}

StatusOr<Checkpoint> ParseAnchor(std::string_view data, const std::vector<uint8_t>& public_key) {
  std::optional<Checkpoint> best;
  for (size_t off = 0; off < data.size(); off += kAnchorSlotSize) {
    std::string_view slot = data.substr(off, kAnchorSlotSize);
    auto c = DecodeCheckpoint(slot);
    if (!c.ok() || !CheckpointSignatureValid(*c, public_key)) continue;
    if (!best || c->count > best->count) best = *c;
  }
  if (!best) return NotFoundError("no validly signed checkpoint in the anchor");
  return *best;
}

}  // namespace candor::audit_internal

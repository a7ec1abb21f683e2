// Copyright 2026 The Candor Authors.
//
// The gallery store: named galleries of enrolled subjects and their face
// templates, in one data directory, encrypted at rest, crash-safe, with
// 1:1 verification and exact 1:N identification over an in-memory index.
//
// Data model
//   Gallery  name, what it holds, the legal basis for holding it, a retention
//            class (ISO-8601 period such as "P10Y", or "indefinite"), the legal
//            bases allowed to search it (enforced by the service; validated and
//            stored here), and the model (id + SHA-256 + dimension) its
//            templates come from, fixed by the first enrollment or at creation.
//  Subject   a stable external id unique in its gallery, an optional opaque
//            record reference (no personal data is required), a per-subject
//            data key (stored only wrapped by the store master key) and one or
//            more templates.
//  Template  the embedding (sealed with the subject's data key), capture date,
//            quality score, SHA-256 of the source image, model id + hash, and
//            optionally the source image itself (sealed with the same key).
//
// On-disk format and guarantees: docs/STORE.md. In short: SQLite (WAL,
// synchronous=FULL, secure_delete) holds metadata and wrapped keys; sealed
// templates go to append-only checksummed segment files; an enrollment is
// durable when Enroll returns OK; deleting a subject destroys its data key so
// its templates are unrecoverable (crypto-shredding).
//
// Errors (as Status codes): NOT_FOUND unknown gallery or subject;
// ALREADY_EXISTS duplicate gallery or subject id; FAILED_PRECONDITION a
// template from another model, dimension or template format version, or a store
// locked by another writer; UNAUTHENTICATED missing or wrong store key;
// DATA_LOSS corrupt files (the message names the file and offset);
// RESOURCE_EXHAUSTED disk full (nothing half-written remains);
// INVALID_ARGUMENT malformed input.
//
// Thread safety: a Store may be used from many threads. Verify, Identify and
// the read accessors run concurrently; Enroll and Delete are serialised and
// atomic: readers observe a subject with all of its templates or not at all.
// Only one process may open a directory for writing (flock on LOCK); more may
// open it read-only.

#ifndef CANDOR_GALLERY_H_
#define CANDOR_GALLERY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/finger_template.h"
#include "candor/index.h"
#include "candor/status.h"
#include "candor/subject_score.h"
#include "candor/template.h"

namespace candor {

using Sha256Bytes = std::array<uint8_t, 32>;
using StoreKey = std::array<uint8_t, 32>;  // the store master key

// Modalities a gallery may hold (GalleryInfo::modality).
inline constexpr const char* kFaceModality = "face";
inline constexpr const char* kFingerModality = "finger";
// A fingerprint gallery's "model": ISO/IEC 19794-2 minutiae compared by MCC
// (candor/finger.h). Its hash is FingerModelSha256(), the SHA-256 of a text
// naming the template format and matcher version; a change to either that
// changes scores gets a new version (and a new calibration).
inline constexpr const char* kFingerModelId = "finger-mcc";
Sha256Bytes FingerModelSha256();

struct GalleryInfo {
  std::string name;                // [A-Za-z0-9._-]{1,64}
  // "face" (the default) or "finger". Fixed at creation: a finger gallery is
  // bound to kFingerModelId (dim 0) at once, and holds fingerprint templates
  // only (TemplateInput::finger); a face gallery never holds one.
  std::string modality = kFaceModality;
  std::string description;         // what it holds, e.g. "state licence photos"
  std::string legal_basis;         // the legal basis for holding it
  std::string retention_class;     // "P<n>D|M|Y" or "indefinite"
  std::vector<std::string> allowed_search_bases;  // non-empty tokens [a-z0-9._:-]
  // The model its templates come from; empty until set at creation or by the
  // first enrollment.
  std::string model_id;
  Sha256Bytes model_sha256{};
  int dim = 0;
  // How a subject with several templates is scored (candor/subject_score.h):
  // "max" or "centroid" (face galleries only). Empty at creation = the
  // modality's default for a new gallery (DefaultSubjectScore: "centroid" for
  // faces, "max" for fingers), resolved once by CreateGallery and recorded
  // with the gallery; changed later by Store::SetSubjectScore. Never empty on
  // a gallery the store returns; a gallery stored without a recorded rule
  // (created before the default changed) reads as "max".
  std::string subject_score;
  // Filled by the store on read.
  int64_t subjects = 0;
  int64_t templates = 0;
  std::string created_at;  // UTC ISO-8601
  // The search index answering for this gallery (StoreOptions::index_spec):
  // Index::Describe() (empty before the first template) and how its answers
  // relate to exact search (Index::Recall(): the measured recall and setting).
  std::string index;
  RecallReport index_recall;
};

// INVALID_ARGUMENT naming the first bad field, or OK. An empty subject_score
// is valid (the modality's default).
Status ValidateGalleryInfo(const GalleryInfo& info);

// The subject_score rule a new gallery of `modality` gets when its creator
// leaves GalleryInfo::subject_score empty: "centroid" for faces (it measured
// better on every LFW row and every model: docs/ACCURACY.md "Several
// templates per subject as a gallery setting"), "max" for fingers (which fuse
// by their own rule). Galleries that already exist keep their rule.
const char* DefaultSubjectScore(std::string_view modality);

// `info` with an empty subject_score replaced by DefaultSubjectScore(modality).
GalleryInfo WithDefaultSubjectScore(GalleryInfo info);

// Subject ids: 1-128 characters of [A-Za-z0-9._:@-], the first a letter or
// digit (safe in a URL path segment, a file name and a CSV field without
// quoting). Enroll checks every new id with ValidateSubjectId (the one check
// the API and the CLI share); ids stored before this rule may hold other
// printable characters and can still be read and deleted.
inline constexpr size_t kMaxSubjectIdBytes = 128;
// INVALID_ARGUMENT saying which rule the id breaks (the id is not echoed), or OK.
Status ValidateSubjectId(std::string_view id);

// The largest source image Enroll keeps (TemplateInput::image).
inline constexpr size_t kMaxStoredImageBytes = 16u << 20;  // 16 MiB

struct TemplateInput {
  Template tmpl;               // L2-normalised on enrollment
  std::string capture_date;    // ISO-8601 date or date-time; may be empty
  float quality = 0.0f;        // the quality score the pipeline measured
  Sha256Bytes image_sha256{};  // SHA-256 of the source image bytes
  // Optional: the source image bytes, to keep for examiners. Empty = keep only
  // the hash. When given, they must hash to image_sha256 (INVALID_ARGUMENT
  // otherwise) and be at most kMaxStoredImageBytes; they are sealed with the
  // subject's data key and shredded with the subject (see docs/STORE.md).
  std::vector<uint8_t> image;
  // Finger galleries only, instead of `tmpl` (left empty): one finger's
  // minutiae template (its position says which finger). Sealed with the
  // subject's data key like a face template (docs/STORE.md, "Fingerprints").
  std::optional<finger::FingerTemplate> finger;
  // 0 (the default): the store numbers the template (the next free id).
  // Otherwise its id, which must be at least the next id the store would give
  // (ids only grow; INVALID_ARGUMENT otherwise): a cluster replica numbers
  // templates from their log position, so every replica of a shard, a rebuilt
  // one too, gives a template the same id (docs/CLUSTER.md).
  int64_t template_id = 0;
};

// Optional demographic attributes of a subject, used only to calibrate error
// rates per group (docs/EVALUATION.md, "Matched impostors"): keys "sex",
// "age_band" and "group" (a recorded group), values 1..64 characters of
// [A-Za-z0-9 ._:+-]. Sealed with the subject's data key like its templates and
// shredded with it (docs/STORE.md).
using SubjectAttributes = std::map<std::string, std::string>;
inline constexpr const char* kSubjectAttributeKeys[] = {"sex", "age_band", "group"};

// INVALID_ARGUMENT naming the first bad key or value, or OK.
Status ValidateSubjectAttributes(const SubjectAttributes& attributes);

struct EnrollRequest {
  std::string subject_id;   // the stable external id (ValidateSubjectId)
  std::string record_ref;   // optional opaque reference, <= 256 chars
  // Optional; only for a new subject (with append_to_existing on an existing
  // subject they must be empty: INVALID_ARGUMENT otherwise).
  SubjectAttributes attributes;
  std::vector<TemplateInput> templates;  // >= 1
  // false: an existing subject id is ALREADY_EXISTS. true: templates are added
  // to the existing subject (its record_ref is left unchanged).
  bool append_to_existing = false;
};

struct StoredTemplate {
  int64_t template_id = 0;
  std::string capture_date;
  float quality = 0.0f;
  Sha256Bytes image_sha256{};
  std::string model_id;
  Sha256Bytes model_sha256{};
  std::string enrolled_at;
  bool has_image = false;     // the source image was kept (Store::GetImage)
  std::vector<float> values;  // decrypted, unit-norm; only when asked for
  // Finger galleries: the ISO finger position (0..10); the minutiae template
  // itself only when asked for values.
  int finger_position = -1;
  std::optional<finger::FingerTemplate> finger;
};

struct SubjectInfo {
  std::string subject_id;
  std::string record_ref;
  std::string created_at;
  SubjectAttributes attributes;  // decrypted only when asked for values
  std::vector<StoredTemplate> templates;
};

// Score -> estimated false-match rate (1:1), from a calibration.
using FmrFunction = std::function<double(float score)>;
// (score, gallery size in subjects) -> estimated FPIR (1:N), from a calibration.
using FpirFunction = std::function<double(float score, int64_t gallery_size)>;

struct VerifyParams {
  float threshold = 0.0f;  // decision threshold from a calibration; required
  FmrFunction fmr;         // optional
};

struct VerifyResult {
  float score = -1.0f;           // best cosine over the subject's templates
  bool match = false;            // score >= threshold
  float threshold = 0.0f;
  std::optional<double> fmr;     // false-match rate at `score`, if a calibration was given
  int templates_compared = 0;
  int64_t best_template_id = 0;
};

struct IdentifyParams {
  int k = 10;              // candidates (distinct subjects) returned at most, 1..1000
  float threshold = 0.0f;  // from a calibration (target FPIR, default 0.1 %); required
  FpirFunction fpir;       // optional
  int threads = 0;         // scan threads; 0 = all cores
};

struct IdentifyCandidate {
  std::string subject_id;
  std::string record_ref;
  float score = 0.0f;
  std::optional<double> fpir;  // FPIR at this score and this gallery's size
  int64_t template_id = 0;
};

struct IdentifyResult {
  // Best first, distinct subjects, all with score >= threshold. Empty means
  // the explicit outcome "no candidate above threshold".
  std::vector<IdentifyCandidate> candidates;
  bool no_candidate_above_threshold = true;
  float threshold = 0.0f;
  int64_t gallery_subjects = 0;
  int64_t gallery_templates = 0;
};

struct StoreOptions {
  StoreKey master_key{};              // see LoadStoreKey
  bool create_if_missing = false;
  bool read_only = false;             // no lock, no recovery writes, no mutation
  // The galleries' search index (candor/index.h MakeIndex). "" (default): a
  // gallery's compressed index kept on disk if it has one, else Flat,int8 in
  // memory. "IVF...,PQ...x4fs..." / "Auto": kept on disk in DIR/index/<gallery>
  // (built once, reopened by mmap; a writer rebuilds it when the spec changes).
  // "Flat,int8" / "Flat,fp32": in memory; a writer removes any index files.
  // A spec that does not parse, or that a gallery's dimension cannot take:
  // INVALID_ARGUMENT naming the bad part, from Open (or from the Enroll that
  // binds a gallery's model) before anything on disk is made or changed.
  std::string index_spec;
  uint64_t max_segment_bytes = 1ull << 30;
  bool check_metadata = true;         // PRAGMA quick_check at open
  int open_threads = 0;               // threads verifying/decrypting at open; 0 = all cores
  void* env = nullptr;                // test hook: a candor::gallery::Env*
};

// Store key from `key_file` (if non-empty), else $CANDOR_KEY_FILE, else
// $CANDOR_KEY (64 hex digits). UNAUTHENTICATED if none is configured.
StatusOr<StoreKey> LoadStoreKey(const std::string& key_file);

// The default store directory: $CANDOR_STORE, or INVALID_ARGUMENT if unset.
StatusOr<std::string> DefaultStoreDir(const std::string& flag_value);

// Statistics of the last Open, for benchmarks and operators.
struct OpenStats {
  int64_t templates_loaded = 0;
  int64_t subjects_loaded = 0;
  uint64_t tail_bytes_truncated = 0;  // a torn or uncommitted tail removed at recovery
  double seconds = 0.0;               // wall time of Open
  int load_threads = 0;               // verify/decrypt workers used
  // Where Open spent its time: wall seconds of the serial steps, CPU seconds
  // (summed over threads) of the template load's stages.
  double quick_check_seconds = 0.0;   // PRAGMA quick_check (wall)
  double checkpoint_seconds = 0.0;    // WAL checkpoint + recovery (wall)
  double load_seconds = 0.0;          // the whole template load (wall)
  double row_read_cpu = 0.0;          // SQLite row read + row encoding
  double row_mac_cpu = 0.0;           // metadata row MACs
  double unwrap_cpu = 0.0;            // subject data key unwrap
  double crc_cpu = 0.0;               // record CRC-32C
  double decrypt_cpu = 0.0;           // template decrypt
  double index_add_cpu = 0.0;         // search index add
  // Compressed indexes kept on disk (docs/STORE.md): templates their reopened
  // files already held (not read from the segments), entries removed because
  // the metadata no longer has them (a crash mid-deletion), and why any files
  // were rebuilt from the segments (empty: none).
  int64_t templates_from_index = 0;
  int64_t index_entries_removed = 0;
  std::string index_rebuilt;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (or with create_if_missing creates) the store in `dir`, verifies the
  // key, recovers (truncating a torn segment tail), and loads every template
  // into per-gallery search indexes.
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                               const StoreOptions& options);

  virtual Status CreateGallery(const GalleryInfo& info) = 0;
  virtual StatusOr<std::vector<GalleryInfo>> ListGalleries() const = 0;
  virtual StatusOr<GalleryInfo> GetGallery(const std::string& name) const = 0;

  // Enrolls subjects into `gallery` as one atomic, durable group commit: on OK
  // every request is stored and searchable; on error none is (and the store
  // stays consistent). The gallery's model is fixed by the first template if
  // not set at creation; later templates must match it.
  virtual Status Enroll(const std::string& gallery, std::span<const EnrollRequest> requests) = 0;

  // True if a template whose source image has this SHA-256 is enrolled in the
  // gallery (resumable bulk enrollment).
  virtual StatusOr<bool> HasImage(const std::string& gallery, const Sha256Bytes& sha) const = 0;

  // with_values: also decrypt the templates' values and the attributes.
  virtual StatusOr<SubjectInfo> GetSubject(const std::string& gallery,
                                           const std::string& subject_id,
                                           bool with_values) const = 0;

  // The source image kept with template `template_id` of the subject
  // (TemplateInput::image), decrypted and checked against its SHA-256.
  // NOT_FOUND: unknown gallery, subject, or template of that subject, or no
  // image was kept for it. DATA_LOSS: the sealed image fails its checksum or
  // authentication (the message names the file and offset). Thread-safe; works
  // on read-only stores. The caller owns the bytes (plaintext: do not persist).
  virtual StatusOr<std::vector<uint8_t>> GetImage(const std::string& gallery,
                                                  const std::string& subject_id,
                                                  int64_t template_id) const = 0;

  // Deletes the subject and crypto-shreds its templates (see docs/STORE.md).
  virtual Status DeleteSubject(const std::string& gallery, const std::string& subject_id) = 0;

  // A keyed reference to a subject, for records kept outside the store
  // (governance's search candidates and reviews, audit entries): "sref:" + 32
  // hex digits, an HMAC under the subject's own data key. Stable while the
  // subject exists; once it is deleted (its key crypto-shredded) no one, the
  // master key's holder included, can link the reference to the id again.
  // NOT_FOUND if there is no such subject.
  virtual StatusOr<std::string> SubjectRef(const std::string& gallery,
                                           const std::string& subject_id) const = 0;
  // The id `ref` stands for, by computing the references of the gallery's
  // subjects (a scan: for occasional look-ups, e.g. the CLI's lead view).
  // NOT_FOUND if none matches (e.g. the subject was deleted).
  virtual StatusOr<std::string> SubjectIdForRef(const std::string& gallery,
                                                const std::string& ref) const = 0;

  // 1:1: the probe against the subject's templates, scored by the gallery's
  // subject_score rule (best template, or the centroid of two or more).
  virtual StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                        const Template& probe,
                                        const VerifyParams& params) const = 0;

  // 1:N: up to k distinct subjects scoring >= threshold, best first, each
  // scored by the gallery's subject_score rule. Under "centroid" a subject with
  // several templates is scored (exactly, float32) by its centroid only, and
  // its candidate's template_id is its first template.
  virtual StatusOr<IdentifyResult> Identify(const std::string& gallery, const Template& probe,
                                            const IdentifyParams& params) const = 0;

  // The gallery for the search desk's check before its gate (it exists; its
  // modality and search bases, fixed at creation). NOT_FOUND if there is no
  // such gallery. Its counts and model may be out of date: a cluster front end
  // answers from the galleries it has already seen (galleries are never
  // deleted). Default: GetGallery.
  virtual StatusOr<GalleryInfo> CheckGallery(const std::string& name) const {
    return GetGallery(name);
  }

  // 1:N whose threshold depends on the gallery as the search finds it (a
  // calibrated threshold needs its size and model): `threshold_of` is called
  // once with the gallery (counts filled) and its error is returned as is;
  // params.threshold is ignored. Returns the gallery it was given and the
  // result at that threshold. Default: GetGallery, then Identify. The cluster
  // front end answers both with one request per shard (docs/CLUSTER.md).
  struct GallerySearch {
    GalleryInfo gallery;
    IdentifyResult result;
  };
  using ThresholdOf = std::function<StatusOr<float>(const GalleryInfo&)>;
  virtual StatusOr<GallerySearch> IdentifyWithGallery(const std::string& gallery,
                                                      const Template& probe,
                                                      const IdentifyParams& params,
                                                      const ThresholdOf& threshold_of) const;

  // Fingerprint galleries (modality "finger"). The probe is one or more
  // fingers of one person; each is compared with the subject's fingers at the
  // same ISO position (any when a position is 0) and the per-finger best
  // scores are fused by their mean (finger::FingerIndex). Scores are MCC
  // similarities in [0, 1]; thresholds come from a fingerprint calibration.
  // VerifyFingers: the fused score against the subject (best_template_id 0,
  // templates_compared = the subject's fingers). IdentifyFingers: subjects
  // reached by the pre-filter and re-scored exactly, >= threshold, best first
  // (template_id 0). Errors as Verify / Identify, plus INVALID_ARGUMENT for no
  // probe finger and FAILED_PRECONDITION for a gallery of faces (and Verify /
  // Identify give FAILED_PRECONDITION for a gallery of fingers). Stores that
  // hold no fingerprints answer UNIMPLEMENTED.
  virtual StatusOr<VerifyResult> VerifyFingers(const std::string& gallery,
                                               const std::string& subject_id,
                                               std::span<const finger::FingerTemplate> probe,
                                               const VerifyParams& params) const {
    return UnimplementedError("this store holds no fingerprints");
  }
  virtual StatusOr<IdentifyResult> IdentifyFingers(const std::string& gallery,
                                                   std::span<const finger::FingerTemplate> probe,
                                                   const IdentifyParams& params) const {
    return UnimplementedError("this store holds no fingerprints");
  }

  // Changes how the gallery scores subjects with several templates
  // (candor/subject_score.h), durably; the centroids are rebuilt from the
  // sealed templates at once (a scan of the multi-template subjects). A stored
  // in-gallery calibration made under the other rule is no longer used for
  // thresholds (it records its rule): recalibrate. Errors: NOT_FOUND unknown
  // gallery; INVALID_ARGUMENT unknown rule; FAILED_PRECONDITION a finger
  // gallery or a read-only store.
  virtual Status SetSubjectScore(const std::string& gallery, const std::string& rule) {
    return UnimplementedError("this store cannot change how subjects are scored");
  }

  // Re-trains and re-tunes the gallery's compressed index (IVF..., Auto) on
  // its templates now: a new partition and codes, and the recall setting
  // measured again at the gallery's size (Index::Recall, GetGallery), in the
  // background, searches, enrollments and deletions going on meanwhile
  // (search/ivf_pq_index.h, StartRetrain; docs/STORE.md). With `wait`, returns
  // when it is done (its status); else at once. Errors: NOT_FOUND unknown
  // gallery; FAILED_PRECONDITION an exact index (Flat, or Auto below its
  // training size), a retrain already running, or a read-only store.
  virtual Status RetuneGallery(const std::string& gallery, bool wait) {
    return UnimplementedError("this store cannot retune a gallery's index");
  }

  // A deterministic sample of at most `n` subject ids of the gallery: those
  // with the smallest SHA-256(seed + "\n" + id), in that order (the same seed
  // and gallery give the same sample; a subject stays in a grown gallery's
  // sample unless displaced by a new one). One scan of the gallery's subjects,
  // O(n) memory. NOT_FOUND unknown gallery. This and the gallery documents
  // below answer UNIMPLEMENTED in stores that do not keep them (the cluster
  // front end, candor/cluster.h).
  virtual StatusOr<std::vector<std::string>> SampleSubjects(const std::string& gallery,
                                                            size_t n,
                                                            const std::string& seed) const {
    return UnimplementedError("this store cannot sample subjects");
  }

  // A gallery's stored calibration documents (opaque to the store; candor/
  // gallery_calibration.h writes them), one per `kind` ([a-z0-9_-]{1,32},
  // e.g. "gallery-side"). Put replaces the previous one of that kind in one
  // durable transaction (integrity-checked like every metadata row).
  // Errors: NOT_FOUND unknown gallery (Get: or no document of that kind);
  // INVALID_ARGUMENT bad kind or a body over 64 MiB; FAILED_PRECONDITION
  // read-only store.
  struct StoredDocument {
    std::string body;
    std::string stored_at;  // UTC ISO-8601
  };
  virtual Status PutGalleryDocument(const std::string& gallery, const std::string& kind,
                                    const std::string& body) {
    return UnimplementedError("this store keeps no gallery documents");
  }
  virtual StatusOr<StoredDocument> GetGalleryDocument(const std::string& gallery,
                                                      const std::string& kind) const {
    return UnimplementedError("this store keeps no gallery documents");
  }

  virtual const OpenStats& open_stats() const = 0;
};

}  // namespace candor

#endif  // CANDOR_GALLERY_H_

// Copyright 2026 The Candor Authors.
//
// IvfPqIndex: the compressed index ("IVF<n>,PQ<m>x4fs,..." and "Auto").
//
//   coarse partition   n centroids (spherical k-means on the gallery's own
//                      templates); each template lives in the list of its
//                      nearest centroid.
//   compact codes      the residual (template - centroid) as m 4-bit product-
//                      quantisation codes, m/2 bytes, in RAM in the fast-scan
//                      block layout (pq4_layout.h), scanned with in-register
//                      table lookups (Kernels::pq4_scan: AVX-512, AVX2, scalar).
//   exact re-rank      the best `rerank` candidates by code are re-scored
//                      against their int8 templates (Int8Codec, the same scores
//                      as Flat,int8), read from RAM or, for a persistent index,
//                      from the memory-mapped (optionally encrypted) file.
//                      Tune prices a re-rank as a page-cache read, or as a
//                      partial SSD read when that file is larger than the
//                      memory available for it (ivf_tuning.h).
//   tombstones         a removed row is marked dead at once and skipped before
//                      it can become a candidate; persistent removals are
//                      logged and fsync'ed first (ivf_files.h).
//
// Before training (fewer than TrainAt rows) it scans its int8 rows exactly, so
// "Auto" behaves as Flat,int8 while the gallery is small. The Add that reaches
// TrainAt trains the partition and codebooks on the rows present, encodes every
// row, and measures the recall setting (Tune). Training holds the write lock:
// searches wait for it (minutes at 10^7; see docs/BENCHMARKS.md). Retraining
// (StartRetrain, or Retrain<x> in the spec when the index has drifted) does
// not: it trains, encodes and tunes a private copy of the index's view on a
// background thread (reading the int8 rows from the mapped file, or from a
// copy of them for an in-memory index: twice their RAM meanwhile), writes the
// new records generation beside the live one (m/2 + 20 bytes per template,
// synced) and places the rows added meanwhile, all without the lock; then it
// holds the write lock only to place the rows added since, zero the new
// records of rows removed since, and commit (ivf_files.h: the manifest's
// rename). Searches wait for that short section only (docs/BENCHMARKS.md,
// "Retraining").
//
// Thread safety: as candor::Index (shared lock for searches, exclusive for
// Add/Remove/Train/Tune).

#ifndef CANDOR_SEARCH_IVF_PQ_INDEX_H_
#define CANDOR_SEARCH_IVF_PQ_INDEX_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "candor/index.h"
#include "search/id_map.h"
#include "search/int8_codec.h"
#include "search/ivf_files.h"
#include "search/ivf_pq_spec.h"
#include "search/ivf_snapshot.h"
#include "search/mate_probes.h"
#include "search/pq4.h"

namespace candor::search {

class IvfPqIndex final : public Index {
 public:
  // In memory (MakeIndex) or persistent (files != nullptr: CreateIndex).
  static StatusOr<std::unique_ptr<IvfPqIndex>> Create(std::string_view spec, int dim,
                                                      const IndexFiles* files);
  static StatusOr<std::unique_ptr<IvfPqIndex>> Open(const IndexFiles& files);

  int dim() const override { return codec_.dim(); }
  int64_t size() const override;
  Status Add(std::span<const float> vectors, std::span<const int64_t> ids) override;
  Status Remove(std::span<const int64_t> ids) override;
  StatusOr<std::vector<Candidate>> Search(std::span<const float> query,
                                          const SearchParams& p) const override;
  StatusOr<std::vector<std::vector<Candidate>>> SearchBatch(std::span<const float> queries,
                                                            const SearchParams& p) const override;
  double BytesPerTemplate() const override;
  std::string Describe() const override;
  RecallReport Recall() const override;

  ~IvfPqIndex() override;  // stops a running retraining (uncommitted) and waits for it

  // Retrains in the background (a new partition, codebooks, codes and recall
  // setting from the live rows, on a private copy of the index's view) and
  // swaps the result in under the exclusive lock: searches, adds and removals
  // go on while it trains and (persistent) writes the new records generation
  // beside the old one; the swap holds the lock only to place the last rows
  // added, zero the new records of rows removed meanwhile, and commit. Adds
  // made during it are found afterwards; removals stay removed. A crash at
  // any point leaves the old generation or the new one, never a mix (an
  // uncommitted one is deleted at the next open). Started by Add when the
  // spec says Retrain<x> and the index has drifted, or here.
  // FAILED_PRECONDITION if untrained, read-only, or one is running (Train
  // refuses while one runs).
  Status StartRetrain();
  // Waits for a running retraining and returns its status (OK if none ran).
  Status WaitRetrain();
  // Retrainings finished (successfully or not) since construction.
  int retrains() const;
  // What the last successful retraining took. The locked section is all a
  // search can wait for; everything else ran beside searches.
  struct RetrainStats {
    double train_seconds = 0;     // train, encode, tune the copy
    double write_seconds = 0;     // write and sync the new records generation
    double catch_up_seconds = 0;  // place the rows added meanwhile
    double locked_ms = 0;         // the exclusive section (swap and commit)
    int64_t rows_caught_up = 0;   // rows added meanwhile, placed without the lock
    int64_t rows_placed_locked = 0;
    int64_t rows_zeroed_locked = 0;  // removed meanwhile: new records zeroed under the lock
  };
  RetrainStats last_retrain() const;
  // Points of a retraining at which a hook set here is called, on the
  // retraining thread with no lock of the index held (tests and benchmarks:
  // what can run while the new generation is being written).
  enum class RetrainPhase {
    kViewTaken,       // the copy of the index's view is taken; training comes next
    kWritingRecords,  // persistent: the first chunk of new records written, the rest not yet
    kBeforeSwap,      // all written and synced; the exclusive section comes next
  };
  void SetRetrainHook(std::function<void(RetrainPhase)> hook);

  // Trains on the live rows now (INVALID_ARGUMENT with fewer than 1,000 or
  // fewer than the list count), then Tune()s. Replaces an earlier training.
  Status Train();
  // Re-measures recall and re-chooses the setting for `target` (0 < t <= 1).
  Status Tune(double target);
  // How the next Tune makes its held-back probes (IvfPqSpec::noise,
  // mate_cosine, mate_cosines); not persisted. For the store (a gallery's own
  // calibration), benchmarks and tests.
  void SetProbeModel(ProbeNoise noise, float fixed_cosine, std::vector<float> cosines);
  // The memory the next Tune assumes is available for the page cache (0: measure
  // it, /proc/meminfo; ivf_tuning.h), and the re-rank price the last Tune used.
  // For tests and benchmarks.
  void SetAvailableMemoryForTuning(uint64_t bytes);
  double TuneRerankCost() const;
  // Pins a setting (0 keeps the tuned value); for benchmarks.
  void SetSetting(int nprobe, int rerank);
  // The retraining policy in force (IvfPqSpec::retrain_growth: retrain in the
  // background at x times the templates last measured; 0 never), replacing
  // the spec's Retrain<x> for this open (not persisted: the store applies its
  // policy at every open). Checked at the next Add. retrain_growth() is 0
  // when none is in force (Retrain0, or no Retrain part and none set).
  void SetRetrainGrowth(double growth);
  double retrain_growth() const;
  bool trained() const;
  // The spec string this index was made (or opened) with.
  const std::string& spec() const { return spec_text_; }
  // The ids of the live templates, ascending (the store reconciles its index
  // with its metadata at open).
  std::vector<int64_t> LiveIds() const;
  // Opened read-only (IndexFiles::read_only): Add/Remove/Train/Tune refuse.
  bool read_only() const { return files_ && files_->read_only(); }

  // How OpenIndex loaded this index (for benchmarks and tests): from the
  // snapshot (ivf_snapshot.h) plus `tail_rows` rows and `removals_replayed`
  // removals made after it, or from the records (`note` says why the snapshot
  // was not used), and whether it wrote a fresh snapshot.
  struct OpenInfo {
    bool from_snapshot = false;
    bool snapshot_written = false;
    int64_t tail_rows = 0;
    int64_t removals_replayed = 0;
    std::string note;
  };
  const OpenInfo& open_info() const { return open_info_; }

  // The candidate rows' ids in code order (best first) for a fixed setting, before
  // re-rank; for tests and tuning.
  StatusOr<std::vector<int64_t>> CodeCandidates(std::span<const float> query, int nprobe,
                                                int depth) const;

 private:
  using List = IvfList;
  using Tombstones = std::vector<std::pair<uint64_t, int64_t>>;
  struct Scored {
    uint32_t row;
    float score;
  };
  // Rows placed (partition + codes) together, so each tile of centroids is
  // read once per batch.
  static constexpr size_t kPlaceBatch = 256;
  // Rows of the live index a retrain's shadow places after training (added
  // meanwhile): [row0, row0 + ids.size()).
  struct TailRows {
    size_t row0 = 0;
    std::vector<uint8_t> rows8;  // int8 codes (a dead row: anything)
    std::vector<int64_t> ids;
    std::vector<uint32_t> crcs;
    std::vector<uint8_t> dead;
  };

  IvfPqIndex(const IvfPqSpec& spec, int dim, std::string spec_text);
  std::shared_lock<std::shared_mutex> ReadLock() const;
  Status Writable(std::string_view what) const;
  std::unique_lock<std::shared_mutex> WriteLock();
  bool IsDead(size_t row) const { return (dead_[row >> 6] >> (row & 63)) & 1; }
  // int8 codes of a row: RAM, or decrypted from the file into buf.
  StatusOr<const uint8_t*> RowCodes(uint32_t row, uint8_t* buf) const;
  void PlaceBatch(const uint8_t* int8_rows, size_t n, uint8_t* packed_codes, uint32_t* lists) const;
  void Append(uint32_t row, uint32_t list, const uint8_t* packed);
  // Sets the coarse centroids and their int8 copy used by Place.
  void SetCoarse(std::vector<float> coarse, int nlist);
  Status TrainLocked();
  bool DriftedLocked() const;
  Status StartRetrainLocked();
  Status RetrainOnce();
  // The retrain's steps (ivf_retrain.cc). Live index: copies rows [from, to)
  // (ids, CRCs and dead bits under the caller's lock; the int8 rows from RAM,
  // or with `read_rows` from the files, which needs no lock).
  Status GatherTail(size_t from, size_t to, bool read_rows, TailRows* t) const;
  Status ReadTail(TailRows* t) const;
  // Shadow: places the live rows of `t` in its lists; with `pending`, writes
  // their records there (dead rows as zero records).
  Status PlaceTail(const TailRows& t, const IvfFiles* files, IvfPendingGeneration* pending);
  // Shadow: writes the records of rows [0, rows) from its lists (dead rows
  // zero), calling after_first after the first chunk.
  Status WriteShadowRecords(size_t rows, const IvfFiles& files, IvfPendingGeneration* pending,
                            const std::function<void()>& after_first) const;
  Status TuneLocked(double target);
  std::vector<Scored> Probe(const float* q, int nprobe, int depth, int threads) const;
  StatusOr<std::vector<Candidate>> SearchOne(const float* q, const SearchParams& p, int nprobe,
                                             int rerank) const;
  std::vector<Candidate> ExactScan(const float* q, size_t k, float threshold) const;
  Status LoadFromFiles();
  // The two ways LoadFromFiles fills ids, checksums, tombstones, lists and id map.
  Status LoadRecords(const Tombstones& tombs);
  // LoadSnapshot sets *rewrite when a fresh snapshot should replace it.
  Status LoadSnapshot(const Tombstones& tombs, bool* rewrite);
  // Drops removed rows from the lists (their codes zeroed), before a snapshot is written.
  void CompactLists();
  Status WriteSnapshot();
  IvfState State() { return {&ids_, &vec_crc_, &dead_, &lists_, &row_of_}; }
  // Where the snapshot holds each of these rows (rows it does not hold are skipped).
  std::vector<IvfSnapshot::Where> Locate(const std::vector<uint64_t>& rows) const;
  std::vector<uint8_t> SerializeTrain() const;
  Status DeserializeTrain(const std::vector<uint8_t>& b);

  IvfPqSpec spec_;
  const std::string spec_text_;
  const Int8Codec codec_;
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mu_;

  std::unique_ptr<IvfFiles> files_;    // persistent index, or null
  std::vector<uint8_t> mem_rows_;      // int8 rows in RAM (in-memory index; or untrained)
  std::vector<uint32_t> vec_crc_;      // persistent: CRC-32C of each row's int8 codes
  std::vector<int64_t> ids_;           // row -> id
  std::vector<uint64_t> dead_;         // tombstone bits
  IdMap row_of_{&ids_};
  int64_t dead_rows_ = 0;

  bool trained_ = false;
  int nlist_ = 0;
  std::vector<float> coarse_;          // nlist * dim, unit rows
  std::vector<uint8_t> coarse8_;       // the same as int8 codes (+128), one global scale
  Pq4 pq_;
  std::vector<List> lists_;
  size_t max_list_ = 0;
  RecallReport recall_;
  int nprobe_ = 0, rerank_ = 0;        // the setting in force
  std::unique_ptr<IvfSnapshot> snap_;  // the snapshot on disk, while it is valid
  uint64_t available_override_ = 0;    // SetAvailableMemoryForTuning
  uint64_t tune_vectors_bytes_ = 0, tune_available_bytes_ = 0;  // at the last Tune
  double rerank_cost_ = 0;
  const IvfFiles* row_source_ = nullptr;  // a retrain's shadow: the index's files
  uint64_t model_gen_ = 0;             // +1 per training or retraining
  mutable std::mutex retrain_mu_;      // guards the retrain members below
  std::condition_variable retrain_cv_;
  std::thread retrain_thread_;
  bool retraining_ = false;
  int retrains_ = 0;
  Status retrain_status_;
  RetrainStats retrain_stats_;
  std::function<void(RetrainPhase)> retrain_hook_;
  std::atomic<bool> closing_{false};            // the destructor: a running retrain stops early
  const std::atomic<bool>* cancel_ = nullptr;  // a retrain's shadow: its index's closing_
  OpenInfo open_info_;
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_IVF_PQ_INDEX_H_

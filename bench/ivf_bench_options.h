// Copyright 2026 The Candor Authors.
//
// ivf_bench's settings, one field per command-line flag (ivf_bench.cc parses
// them; the flags are listed there). Every run mode reads them.

#ifndef CANDOR_BENCH_IVF_BENCH_OPTIONS_H_
#define CANDOR_BENCH_IVF_BENCH_OPTIONS_H_

#include <string>
#include <vector>

namespace bench::ivf {

struct Opts {
  std::vector<long> sizes{1000000};
  int dim = 192;
  int queries = 500;
  std::string spec = "IVF4096,PQ64x4fs";
  long train_at = 1000000;
  std::string dir = "ivf_bench_data";
  long hnsw_max = 1000000;
  long faiss_max = 10000000;
  int faiss_queries = 100;  // per probe set (the generic SSE build is slow)
  long flat_max = 10000000;  // exact Flat,int8 latency rows up to this size (dim bytes per row in RAM)
  long chunk = 250000;
  bool faiss = true, hnsw = true;
  float probe_cosine = 0.7f;
  std::string lfw;  // embedding cache: data = LfwFitted with real LFW mates
  bool keep = false;  // keep the index files
  std::string reopen;   // --reopen DIR
  int reopen_times = 3;
  bool read_only = false;
  std::string ssd_file;  // --ssd-latency FILE
  int reads = 2000;
  bool lfw_mate_cosines = false;  // tune with the --lfw cache model's genuine cosines
  bool tuner_models = false;  // compare held-back probe models against the bench's probes
  bool measure_only = false;  // reopen a kept index and its saved probes; no build
  int reopens = 1;            // times the kept index is opened and timed
  std::vector<long> sweep;    // --sweep nprobe,...: agreement at fixed settings
  int sweep_rerank = 0;       // --sweep-rerank (0: the tuned re-rank depth)
  bool faiss_beside = false;  // --measure-only: then FAISS on the same rows and probes
  std::string faiss_dir;      // where --faiss-beside saves (and --faiss-load reads) FAISS's index
  std::string faiss_refine = "SQ4";  // none | SQ4 | SQ8
  long faiss_train = 131072;  // rows FAISS trains on (as candor's k-means sample)
  std::vector<long> faiss_nprobes;  // default: candor's tuned nprobe
  bool faiss_load = false;    // read the index --faiss-beside saved instead of building it
  bool faiss_base_row = true; // also time the fast-scan alone (no refine), 1 thread
  bool overlap = false;       // --faiss-beside: generate the next chunk while FAISS adds
  int verify = 100;           // probes per set whose exact truth is recomputed on the regenerated rows
};

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_OPTIONS_H_

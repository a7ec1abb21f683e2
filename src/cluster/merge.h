// Copyright 2026 The Candor Authors.
//
// The front end's merge of the shards' answers (docs/CLUSTER.md, "Search:
// scatter-gather"). Shards hold disjoint subjects, so a gallery's counts are
// the sums of the shards' and the global top k is among the shards' own top
// k: the merge is exact.
// Thread safety: pure functions.

#ifndef CANDOR_CLUSTER_MERGE_H_
#define CANDOR_CLUSTER_MERGE_H_

#include <vector>

#include "candor/gallery.h"

namespace candor::cluster {

// Adds one shard's view of a gallery to `into` (the same gallery): the
// counts are summed; the model is the first shard's that has one (a shard
// without templates of the gallery has none).
void AddGalleryPart(GalleryInfo& into, const GalleryInfo& part);

// The top `k` distinct subjects scoring >= `threshold` over the shards'
// results (each a shard's own top k at a threshold <= `threshold`), best
// first, ties by subject id; gallery counts summed; `fpir` (optional) filled
// at the summed gallery size.
IdentifyResult MergeTopK(std::vector<IdentifyResult> parts, int k, float threshold,
                         const FpirFunction& fpir);

}  // namespace candor::cluster

#endif  // CANDOR_CLUSTER_MERGE_H_

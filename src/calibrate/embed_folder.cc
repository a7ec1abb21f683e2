// Copyright 2026 The Candor Authors.

#include "calibrate/embed_folder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "common/hash.h"

namespace candor::eval {
namespace {

const ProcessedFace* PickCentral(const std::vector<ProcessedFace>& faces, cv::Size size) {
  const ProcessedFace* best = nullptr;
  float best_d = 1e30f;
  for (const auto& f : faces) {
    if (f.face.box.area() < 0.3f * faces[0].face.box.area()) continue;
    const float dx = f.face.box.x + f.face.box.width / 2 - size.width / 2.f;
    const float dy = f.face.box.y + f.face.box.height / 2 - size.height / 2.f;
    const float d = std::hypot(dx, dy);
    if (d < best_d) best_d = d, best = &f;
  }
  return best;
}

}  // namespace

StatusOr<EmbeddingSet> EmbedLabelledImages(const Pipeline& pipeline,
                                           const std::filesystem::path& root,
                                           const std::vector<LabelledImage>& images,
                                           const EmbedFolderOptions& opt) {
  EmbeddingSet set;
  set.model_id = pipeline.embedder_model().id;
  set.model_sha256 = pipeline.embedder_model().onnx_sha256;
  set.settings = pipeline.SettingsKey();
  std::filesystem::path cache_file;
  std::map<std::string, EmbeddedImage> cached;
  if (!opt.cache_dir.empty()) {
    const std::string key = set.model_sha256 + "\n" + set.settings + "\n" +
                            std::filesystem::absolute(root).lexically_normal().string();
    cache_file = opt.cache_dir / ("embeddings-" + HexDigest(Sha256(key)).substr(0, 24) + ".bin");
    if (std::filesystem::exists(cache_file)) {
      auto loaded = LoadEmbeddingSet(cache_file);
      if (loaded.ok() && loaded->model_sha256 == set.model_sha256 &&
          loaded->settings == set.settings) {
        for (auto& e : loaded->images) cached[e.path] = std::move(e);
      } else if (opt.progress) {
        std::fprintf(stderr, "ignoring unusable embedding cache %s\n", cache_file.c_str());
      }
    }
  }
  set.images.resize(images.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto it = cached.find(images[i].path);
    if (it != cached.end() && it->second.identity == images[i].identity) {
      set.images[i] = it->second;
    } else {
      set.images[i] = {images[i].path, images[i].identity, false, {}};
      todo.push_back(i);
    }
  }
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  Status first_error;
  std::vector<char> finished(images.size(), 0);
  for (std::size_t i = 0; i < images.size(); ++i) finished[i] = 1;
  for (std::size_t i : todo) finished[i] = 0;
  auto worker = [&]() {
    for (;;) {
      const std::size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      const std::size_t i = todo[k];
      EmbeddedImage e{images[i].path, images[i].identity, false, {}};
      auto mat = pipeline.ReadFile(root / images[i].path);
      if (mat.ok()) {
        auto faces = pipeline.Process(*mat);
        if (faces.ok() && !faces->empty()) {
          const ProcessedFace* f = PickCentral(*faces, mat->size());
          if (f != nullptr) {
            e.ok = true;
            e.v = f->tmpl.values;
            e.quality = f->face.quality.score;
          }
        } else if (!faces.ok() && faces.status().code() == Code::kNotFound) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = faces.status();
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        set.images[i] = std::move(e);
        finished[i] = 1;
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (opt.progress && (d % 200 == 0 || d == todo.size())) {
        std::fprintf(stderr, "\rembedded %zu / %zu new images", d, todo.size());
      }
      if (!cache_file.empty() && opt.checkpoint_every && d % opt.checkpoint_every == 0) {
        EmbeddingSet snapshot;
        {
          std::lock_guard<std::mutex> lock(mu);
          snapshot.model_id = set.model_id;
          snapshot.model_sha256 = set.model_sha256;
          snapshot.settings = set.settings;
          for (std::size_t j = 0; j < set.images.size(); ++j) {
            if (finished[j]) snapshot.images.push_back(set.images[j]);
          }
        }
        SaveEmbeddingSet(snapshot, cache_file).IgnoreError();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, opt.threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (opt.progress && !todo.empty()) std::fprintf(stderr, "\n");
  if (!first_error.ok()) return first_error;
  if (!cache_file.empty() && !todo.empty()) CANDOR_RETURN_IF_ERROR(SaveEmbeddingSet(set, cache_file));
  return set;
}

StatusOr<EmbeddingSet> EmbedFolder(const FolderEmbedRequest& r) {
  CANDOR_ASSIGN_OR_RETURN(auto scanned, ScanLabelledFolder(r.data));
  // Identities in a stable pseudo-random order (SHA-256 of the name): a
  // --max-images subset is a prefix of it, and an interrupted run's cache holds
  // such a prefix, so the next run with that many images reuses all of it.
  std::map<std::string, std::vector<LabelledImage>> by_id;
  for (auto& im : scanned) by_id[im.identity].push_back(im);
  std::vector<std::pair<std::string, std::string>> order;  // (hash, identity)
  for (const auto& [id, v] : by_id) order.emplace_back(HexDigest(Sha256("subset\n" + id)), id);
  std::sort(order.begin(), order.end());
  std::vector<LabelledImage> images;
  for (const auto& [h, id] : order) {
    const auto& v = by_id[id];
    if (r.max_images > 0 && images.size() + v.size() > r.max_images) {
      if (images.size() >= r.max_images) break;
      continue;
    }
    images.insert(images.end(), v.begin(), v.end());
  }
  PipelineOptions po;
  if (!r.model_dir.empty()) po.model_dir = r.model_dir;
  po.embedder = r.model;
  po.threads = std::max(1, r.threads);
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(po));
  EmbedFolderOptions eo;
  eo.cache_dir = r.cache_dir;
  eo.threads = po.threads;
  return EmbedLabelledImages(*pipeline, r.data, images, eo);
}

}  // namespace candor::eval

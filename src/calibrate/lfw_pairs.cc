// Copyright 2026 The Candor Authors.

#include "calibrate/lfw_pairs.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/paths.h"

namespace candor::eval {

std::string LfwImagePath(const std::string& name, int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", index);
  return name + "/" + name + "_" + buf + ".jpg";
}

Status DefaultLfwPaths(std::string& images, std::string& pairs) {
  const auto data_root = DataDir();
  if (images.empty()) {
    if (!data_root) return NotFoundError("no --data and no data directory (set CANDOR_DATA)");
    images = (*data_root / "faces/lfw").string();
  }
  if (pairs.empty()) {
    if (!data_root) return NotFoundError("no --pairs and no data directory (set CANDOR_DATA)");
    pairs = (*data_root / "faces/lfw-protocol/pairs.txt").string();
  }
  return OkStatus();
}

StatusOr<std::vector<LfwPair>> ParseLfwPairs(const std::filesystem::path& path, int max_folds) {
  const std::string where = path.string();
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot open pairs file " + where);
  int folds = 0, per = 0;
  if (!(in >> folds >> per) || folds <= 0 || per <= 0) {
    return InvalidArgumentError(where + ": first line must be '<folds> <pairs per class>'");
  }
  std::vector<LfwPair> pairs;
  std::string line;
  std::getline(in, line);
  for (int f = 0; f < folds; ++f) {
    for (int k = 0; k < 2 * per; ++k) {
      if (!std::getline(in, line)) return InvalidArgumentError(where + ": truncated");
      std::istringstream ls(line);
      std::string n1, n2;
      int i = 0, j = 0;
      LfwPair p{.fold = f};
      if (k < per) {
        if (!(ls >> n1 >> i >> j)) return InvalidArgumentError(where + ": bad line '" + line + "'");
        p.a = LfwImagePath(n1, i), p.b = LfwImagePath(n1, j), p.genuine = true;
      } else {
        if (!(ls >> n1 >> i >> n2 >> j)) {
          return InvalidArgumentError(where + ": bad line '" + line + "'");
        }
        p.a = LfwImagePath(n1, i), p.b = LfwImagePath(n2, j), p.genuine = false;
      }
      if (f < max_folds) pairs.push_back(std::move(p));
    }
  }
  return pairs;
}

}  // namespace candor::eval

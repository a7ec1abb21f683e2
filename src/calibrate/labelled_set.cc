// Copyright 2026 The Candor Authors.

#include "calibrate/labelled_set.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/attributes_csv.h"
#include "common/hash.h"

namespace candor::eval {
namespace fs = std::filesystem;

StatusOr<std::vector<LabelledImage>> ScanLabelledFolder(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return NotFoundError("no such folder: " + root.string());
  static const std::set<std::string> kExt = {".jpg", ".jpeg", ".png", ".bmp", ".pgm",
                                             ".ppm", ".webp", ".tif", ".tiff"};
  std::vector<LabelledImage> out;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;
    const std::string identity = dir.path().filename().string();
    for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
      if (!f.is_regular_file()) continue;
      std::string ext = f.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (kExt.count(ext)) out.push_back({identity, identity + "/" + f.path().filename().string()});
    }
  }
  if (ec) return InvalidArgumentError("cannot list " + root.string() + ": " + ec.message());
  if (out.empty()) return InvalidArgumentError("no labelled images under " + root.string());
  std::sort(out.begin(), out.end(),
            [](const LabelledImage& a, const LabelledImage& b) { return a.path < b.path; });
  return out;
}

IdentitySplit SplitByIdentity(const std::set<std::string>& identities, double fraction,
                              const std::string& seed) {
  IdentitySplit split;
  for (const std::string& id : identities) {
    const Sha256Digest d = Sha256(seed + "\n" + id);
    const uint64_t v = (uint64_t(d[0]) << 24) | (uint64_t(d[1]) << 16) | (uint64_t(d[2]) << 8) | d[3];
    const double u = static_cast<double>(v) / 4294967296.0;
    (u < fraction ? split.calibration : split.evaluation).insert(id);
  }
  return split;
}

namespace {

// "Aaron_Eckhart_0001.jpg" -> "Aaron_Eckhart".
std::string IdentityOfImage(const std::string& file) {
  const auto us = file.rfind('_');
  return us == std::string::npos ? file : file.substr(0, us);
}

StatusOr<std::vector<std::string>> ReadLines(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return NotFoundError("cannot open " + p.string());
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

StatusOr<GroupLabels> LoadLfwGroups(const fs::path& dir) {
  GroupLabels labels;
  // Gender: image-level lists; an identity takes the label all its labelled
  // images agree on; identities in both lists are dropped and named.
  std::map<std::string, std::map<std::string, int>> votes;
  for (const auto& [file, group] : {std::pair{"female_names.txt", "female"},
                                    std::pair{"male_names.txt", "male"}}) {
    CANDOR_ASSIGN_OR_RETURN(auto lines, ReadLines(dir / file));
    for (const auto& l : lines) votes[IdentityOfImage(l)][group] += 1;
  }
  auto& gender = labels.by_attribute["gender"];
  std::vector<std::string> mixed;
  for (const auto& [id, v] : votes) {
    if (v.size() == 1) {
      gender[id] = v.begin()->first;
    } else {
      mixed.push_back(id);
    }
  }
  if (!mixed.empty()) {
    std::string names;
    for (const auto& m : mixed) names += (names.empty() ? "" : ", ") + m;
    labels.notes.push_back("gender: " + std::to_string(mixed.size()) +
                           " identities have images in both lists and are left unlabelled (" +
                           names + ")");
  }
  // Race: identity-level, perceived; multi-valued labels form the group "multiple".
  std::ifstream in(dir / "lfw_race_dict_uscsail.json");
  if (!in) return NotFoundError("cannot open " + (dir / "lfw_race_dict_uscsail.json").string());
  try {
    const auto j = nlohmann::json::parse(in);
    auto& race = labels.by_attribute["race"];
    for (const auto& [id, v] : j.items()) {
      const std::string s = v.get<std::string>();
      race[id] = s.find(',') == std::string::npos ? s : "multiple";
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("lfw_race_dict_uscsail.json: ") + e.what());
  }
  labels.notes.push_back("race: labels cover " +
                         std::to_string(labels.by_attribute["race"].size()) +
                         " identities only (perceived race, USC SAIL); all others unlabelled");
  return labels;
}

StatusOr<GroupLabels> LoadGroupsCsv(const fs::path& file) {
  CANDOR_ASSIGN_OR_RETURN(AttributesById rows, ReadAttributesCsv(file));
  GroupLabels labels;
  for (const auto& [identity, attributes] : rows) {
    for (const auto& [key, value] : attributes) labels.by_attribute[key][identity] = value;
  }
  for (const auto& [key, groups] : labels.by_attribute) {
    labels.notes.push_back(key + ": labels for " + std::to_string(groups.size()) + " of the " +
                           std::to_string(rows.size()) + " identities in " + file.filename().string());
  }
  return labels;
}

}  // namespace candor::eval

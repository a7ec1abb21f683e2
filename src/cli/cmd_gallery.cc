// Copyright 2026 The Candor Authors.
//
// candor gallery create|list|show|set|retune|keygen|import: manage galleries in a store.
//   create --as ADMIN --name G --description TEXT --legal-basis TEXT --retention P10Y
//          --search-basis warrant [--search-basis ...]   (creates the store if missing)
//          [--modality face|finger] [--subject-score centroid|max] (default: centroid
//          for faces, max for fingers; GalleryInfo::subject_score)
//          admin only, as the server's; audited ("gallery.create", refusals too)
//   list                      every gallery with its counts
//   show G                    one gallery's metadata
//   set G --subject-score max|centroid --as ADMIN
//                             how a subject with several templates is scored
//                             (candor/subject_score.h); admin only, audited
//                             ("gallery.set"); recalibrate the gallery after
//   retune G --as ADMIN       re-train and re-tune the gallery's compressed index
//                             now (Store::RetuneGallery; searches go on), then
//                             show the new measured recall and setting; admin
//                             only, audited ("gallery.retune")
//   keygen --out FILE         a new random store key (mode 0600)
//   import G --file F [--batch N] --as USER
//                             bulk import of precomputed templates (resumable;
//                             cli/gallery_import.h, docs/STORE.md "Bulk import")

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/gallery_import.h"
#include "cli/operator_gate.h"
#include "gallery/crypto.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  GovernFlags govern;  // create: --as, --audit-key
  GalleryInfo info;
  std::string show_name;
  std::string set_name, set_subject_score;
  std::string retune_name;
  std::string key_out;
  ImportArgs import;
  CLI::App *create = nullptr, *list = nullptr, *show = nullptr, *keygen = nullptr, *import_cmd = nullptr,
           *set = nullptr, *retune = nullptr;
};

void PrintGallery(const GalleryInfo& g, bool json) {
  if (json) {
    nlohmann::json j = GalleryJson(g);
    if (!g.index.empty()) {
      const RecallReport& r = g.index_recall;
      j["index"] = {{"description", g.index}, {"exact", r.exact}};
      if (!r.exact) {
        j["index"]["recall"] = {{"target", r.target},   {"measured", r.measured},
                                {"lower95", r.lower95}, {"probes", r.probes},
                                {"nprobe", r.nprobe},   {"nlist", r.nlist},
                                {"rerank", r.rerank},   {"measured_at", r.measured_at}};
      }
    }
    std::cout << j.dump(2) << std::endl;
    return;
  }
  std::cout << g.name << ": " << g.description << "\n  legal basis: " << g.legal_basis
            << "\n  modality: " << g.modality
            << (g.modality == kFaceModality ? "\n  subject score: " + g.subject_score +
                                                  (g.subject_score == kSubjectScoreCentroid
                                                       ? " (mean of a subject's templates)"
                                                       : " (best of a subject's templates)")
                                            : std::string())
            << "\n  retention: " << g.retention_class << "\n  searchable under:";
  for (const auto& b : g.allowed_search_bases) std::cout << " " << b;
  std::cout << "\n  model: " << (g.model_id.empty() ? "(set by the first enrollment)" : g.model_id)
            << (g.dim ? " dim " + std::to_string(g.dim) : "") << "\n  subjects: " << g.subjects
            << ", templates: " << g.templates << "\n  created: " << g.created_at << std::endl;
  if (!g.index.empty()) {
    const RecallReport& r = g.index_recall;
    std::cout << "  index: " << g.index << "\n  search: "
              << (r.exact ? std::string("exact (every template scored)")
                          : "approximate; rank-1 agrees with exact search on " +
                                std::to_string(100 * r.measured).substr(0, 5) + " % of " +
                                std::to_string(r.probes) + " held-back probes (target " +
                                std::to_string(100 * r.target).substr(0, 5) + " %), nprobe " +
                                std::to_string(r.nprobe) + "/" + std::to_string(r.nlist) +
                                ", re-rank " + std::to_string(r.rerank))
              << std::endl;
  }
}

// The audit detail of a retune: the setting measured.
std::string RecallDetail(const RecallReport& r) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "recall=%.4f target=%.4f nprobe=%d/%d rerank=%d measured_at=%lld", r.measured,
                r.target, r.nprobe, r.nlist, r.rerank, static_cast<long long>(r.measured_at));
  return buf;
}

Status Run(const Args& a, const GlobalOptions& global) {
  if (a.keygen->parsed()) {
    CANDOR_RETURN_IF_ERROR(gallery::WriteNewKeyFile(a.key_out));
    if (global.json) {
      std::cout << nlohmann::json{{"key_file", a.key_out}}.dump(2) << std::endl;
    } else {
      std::cout << "wrote a new store key to " << a.key_out
                << " (keep it apart from the store; losing it loses the store)" << std::endl;
    }
    return OkStatus();
  }
  if (a.import_cmd->parsed()) return RunImport(a.import, a.store, a.govern, global);
  if (a.create->parsed()) {
    const char* action = "gallery.create";
    CANDOR_ASSIGN_OR_RETURN(
        OperatorGate gate,
        OpenOperatorGateFor(a.govern, a.store, {Role::kAdmin}, action, a.info.name));
    auto created = [&]() -> StatusOr<GalleryInfo> {
      CANDOR_RETURN_IF_ERROR(ValidateGalleryInfo(a.info));
      CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, /*create=*/true, false));
      CANDOR_RETURN_IF_ERROR(store->CreateGallery(a.info));
      return store->GetGallery(a.info.name);
    }();
    // Like the API's, the audit entry names the rule a face gallery was created with.
    const std::string detail = created.ok() && created->modality == kFaceModality
                                   ? "subject_score=" + created->subject_score
                                   : "";
    CANDOR_RETURN_IF_ERROR(AuditAction(gate, action, a.info.name, created.status(), detail));
    PrintGallery(*created, global.json);
    return OkStatus();
  }
  if (a.set->parsed()) {
    const char* action = "gallery.set";
    CANDOR_ASSIGN_OR_RETURN(
        OperatorGate gate, OpenOperatorGateFor(a.govern, a.store, {Role::kAdmin}, action, a.set_name));
    auto changed = [&]() -> StatusOr<GalleryInfo> {
      CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, /*read_only=*/false));
      CANDOR_RETURN_IF_ERROR(store->SetSubjectScore(a.set_name, a.set_subject_score));
      return store->GetGallery(a.set_name);
    }();
    CANDOR_RETURN_IF_ERROR(AuditAction(gate, action, a.set_name, changed.status(),
                                       "subject_score=" + a.set_subject_score));
    PrintGallery(*changed, global.json);
    return OkStatus();
  }
  if (a.retune->parsed()) {
    const char* action = "gallery.retune";
    CANDOR_ASSIGN_OR_RETURN(
        OperatorGate gate, OpenOperatorGateFor(a.govern, a.store, {Role::kAdmin}, action, a.retune_name));
    auto retuned = [&]() -> StatusOr<GalleryInfo> {
      CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, /*read_only=*/false));
      CANDOR_RETURN_IF_ERROR(store->RetuneGallery(a.retune_name, /*wait=*/true));
      return store->GetGallery(a.retune_name);
    }();
    CANDOR_RETURN_IF_ERROR(AuditAction(gate, action, a.retune_name, retuned.status(),
                                       retuned.ok() ? RecallDetail(retuned->index_recall) : ""));
    PrintGallery(*retuned, global.json);
    return OkStatus();
  }
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, /*read_only=*/true));
  if (a.show->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(a.show_name));
    PrintGallery(g, global.json);
    return OkStatus();
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<GalleryInfo> all, store->ListGalleries());
  if (global.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& g : all) arr.push_back(GalleryJson(g));
    std::cout << nlohmann::json{{"galleries", arr}}.dump(2) << std::endl;
  } else {
    if (all.empty()) std::cout << "no galleries" << std::endl;
    for (const auto& g : all) {
      std::cout << g.name << "\t" << g.subjects << " subjects\t" << g.templates << " templates\t"
                << g.description << std::endl;
    }
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"gallery", "Create, list, show and bulk-import galleries; generate a store key",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       a->create = sub.add_subcommand("create", "Create a gallery (and the store if missing)");
       a->create->add_option("--name", a->info.name, "Gallery name [A-Za-z0-9._-]")->required();
       a->create
           ->add_option("--description", a->info.description,
                        "What it holds, e.g. 'state licence photos'")
           ->required();
       a->create
           ->add_option("--legal-basis", a->info.legal_basis,
                        "The legal basis for holding these data")
           ->required();
       a->create
           ->add_option("--retention", a->info.retention_class,
                        "Retention class: ISO-8601 period (P10Y, P6M, P30D) or 'indefinite'")
           ->required();
       a->create
           ->add_option("--modality", a->info.modality,
                        "What it holds: 'face' (default) or 'finger' (fingerprints)")
           ->check(CLI::IsMember({"face", "finger"}));
       a->create
           ->add_option("--subject-score", a->info.subject_score,
                        "How a subject with several templates is scored: 'centroid' (their "
                        "normalised mean; the default for faces, docs/ACCURACY.md) or 'max' "
                        "(best template); fingers use max")
           ->check(CLI::IsMember({kSubjectScoreMax, kSubjectScoreCentroid}));
       a->create
           ->add_option("--search-basis", a->info.allowed_search_bases,
                        "A legal basis under which it may be searched (repeatable)")
           ->required();
       a->list = sub.add_subcommand("list", "List galleries");
       a->show = sub.add_subcommand("show", "Show one gallery");
       a->show->add_option("name", a->show_name, "Gallery name")->required();
       a->set = sub.add_subcommand("set", "Change a gallery's settings (admin; audited)");
       a->set->add_option("name", a->set_name, "Gallery name")->required();
       a->set
           ->add_option("--subject-score", a->set_subject_score,
                        "'max' (best template) or 'centroid' (mean template); recalibrate after")
           ->required()
           ->check(CLI::IsMember({kSubjectScoreMax, kSubjectScoreCentroid}));
       a->retune = sub.add_subcommand(
           "retune", "Re-train and re-tune a gallery's compressed index now (admin; audited)");
       a->retune->add_option("name", a->retune_name, "Gallery name")->required();
       a->keygen = sub.add_subcommand("keygen", "Write a new random store key file (mode 0600)");
       a->keygen->add_option("--out", a->key_out, "Key file to create")->required();
       a->import_cmd = sub.add_subcommand(
           "import", "Bulk-import precomputed templates (a CNDRTPL1 file, docs/STORE.md); resumable");
       a->import_cmd->add_option("name", a->import.gallery, "Gallery name")->required();
       a->import_cmd->add_option("--file", a->import.file, "Template file (CNDRTPL1)")->required();
       a->import_cmd->add_option("--batch", a->import.batch, "Subjects per durable group commit")
           ->check(CLI::Range(1, 1000000));
       for (CLI::App* s : {a->create, a->list, a->show, a->import_cmd, a->set, a->retune}) {
         AddStoreFlags(*s, &a->store);
       }
       AddOperatorFlags(*a->create, &a->govern);
       AddOperatorFlags(*a->set, &a->govern);
       AddOperatorFlags(*a->retune, &a->govern);
       AddOperatorFlags(*a->import_cmd, &a->govern);
       for (CLI::App* s : {a->create, a->list, a->show, a->keygen, a->import_cmd, a->set, a->retune}) {
         s->fallthrough();
       }
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli

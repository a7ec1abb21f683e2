// Copyright 2026 The Candor Authors.
//
// candor finger enroll --gallery G --subject ID [N:]PRINT...
//
// Enrolls one subject's fingers into a finger gallery (`candor gallery create
// --modality finger`): each PRINT is an image (TIFF, PNG, BMP, JPEG; --dpi
// states its resolution), a sealed template (.cndf) or an ISO/IEC 19794-2
// record, optionally prefixed with its ISO finger position (1 right thumb ..
// 10 left little; "3:right_middle.tif"). All of a subject's prints are one
// atomic, durable group commit: sealed with the subject's data key like face
// templates (docs/STORE.md, "Fingerprints"). --append adds fingers to an
// enrolled subject. --min-quality refuses, before anything is stored, a print
// whose quality (docs/FINGER.md, "Quality") is below it, naming the print and
// its issues. --keep-images also keeps each print image, sealed, for examiners.
//
// Governed like `candor enroll`: only as a named enroller or admin (--as /
// $CANDOR_USER with its credential; refused and audited otherwise); one
// "gallery.enroll" audit entry per commit with the counts (never the subject
// id), or a refused one for a failed run.

#include <iostream>

#include "candor/gallery.h"
#include "cli/command.h"
#include "cli/finger_input.h"
#include "cli/gallery_flags.h"
#include "cli/operator_gate.h"
#include "common/hash.h"

namespace candor::cli {
namespace {

constexpr char kEnrollAction[] = "gallery.enroll";

struct Args {
  StoreFlags store;
  GovernFlags govern;
  std::string gallery, subject, record_ref, capture_date;
  std::vector<std::string> prints;
  double dpi = 500;
  int min_quality = 0;
  bool append = false, keep_images = false;
};

StatusOr<nlohmann::json> Enroll(const Args& a) {
  CANDOR_RETURN_IF_ERROR(ValidateSubjectId(a.subject));
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, false));
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(a.gallery));
  if (g.modality != kFingerModality) {
    return FailedPreconditionError("gallery '" + a.gallery +
                                   "' holds faces; enroll fingerprints into a gallery created "
                                   "with --modality finger");
  }
  std::vector<finger::FingerQuality> qualities;
  CANDOR_ASSIGN_OR_RETURN(std::vector<finger::FingerTemplate> fingers,
                          LoadFingers(a.prints, a.dpi, &qualities));
  EnrollRequest r;
  r.subject_id = a.subject;
  r.record_ref = a.record_ref;
  r.append_to_existing = a.append;
  nlohmann::json prints = nlohmann::json::array();
  for (size_t i = 0; i < fingers.size(); ++i) {
    const finger::FingerQuality& q = qualities[i];
    const std::string path = ParseFingerArg(a.prints[i])->path;
    if (q.score >= 0 && q.score < a.min_quality) {
      std::string issues;
      for (const auto& s : q.issues) issues += (issues.empty() ? "" : ", ") + s;
      return FailedPreconditionError("print " + path + " has quality " +
                                     std::to_string(q.score) + ", below --min-quality " +
                                     std::to_string(a.min_quality) +
                                     (issues.empty() ? "" : " (" + issues + ")") +
                                     "; nothing was enrolled");
    }
    TemplateInput in;
    in.finger = fingers[i];
    in.capture_date = a.capture_date;
    in.quality = static_cast<float>(q.score >= 0 ? q.score : fingers[i].quality);
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
    in.image_sha256 = Sha256(std::span<const uint8_t>(bytes));
    const bool is_image = q.score >= 0;
    if (a.keep_images && is_image) in.image = std::move(bytes);
    r.templates.push_back(std::move(in));
    nlohmann::json p = {{"print", path},
                        {"finger_position", fingers[i].finger_position},
                        {"minutiae", fingers[i].minutiae.size()},
                        {"image_kept", a.keep_images && is_image}};
    if (is_image) p["quality"] = QualityJson(q);
    prints.push_back(std::move(p));
  }
  CANDOR_RETURN_IF_ERROR(store->Enroll(a.gallery, {&r, 1}));
  return nlohmann::json{{"gallery", a.gallery},
                        {"subject", a.subject},
                        {"fingers_enrolled", fingers.size()},
                        {"appended", a.append},
                        {"prints", prints}};
}

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(OperatorGate gate,
                          OpenOperatorGateFor(a.govern, a.store, {Role::kEnroller, Role::kAdmin},
                                              kEnrollAction, a.gallery));
  auto doc = Enroll(a);
  // Counts only: an audit entry names no subject (docs/GOVERNANCE.md).
  const std::string detail =
      doc.ok() ? "fingerprints: 1 subject" + std::string(a.append ? " (appended)" : "") + ", " +
                     std::to_string(a.prints.size()) + " finger templates enrolled"
               : "fingerprints";
  CANDOR_RETURN_IF_ERROR(AuditAction(gate, kEnrollAction, a.gallery, doc.status(), detail));
  if (global.json) {
    std::cout << doc->dump(2) << std::endl;
  } else {
    std::cout << "enrolled " << a.prints.size() << " finger" << (a.prints.size() == 1 ? "" : "s")
              << " of subject " << a.subject << " into " << a.gallery << std::endl;
    for (const auto& p : (*doc)["prints"]) {
      std::cout << "  " << p["print"].get<std::string>() << ": position "
                << p["finger_position"] << ", " << p["minutiae"] << " minutiae";
      if (p.contains("quality")) std::cout << ", quality " << p["quality"]["score"];
      std::cout << std::endl;
    }
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "finger enroll", "Enroll one subject's fingerprints into a finger gallery (governed, audited)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--gallery", a->gallery, "Finger gallery name")->required();
      sub.add_option("--subject", a->subject, "Subject id")->required();
      sub.add_option("prints", a->prints,
                     "[N:]PRINT: an image, .cndf template or ISO record, optionally with its ISO "
                     "finger position N (1 right thumb .. 10 left little)")
          ->required();
      sub.add_option("--record-ref", a->record_ref, "Opaque record reference (optional)");
      sub.add_option("--capture-date", a->capture_date, "Capture date (ISO-8601)");
      sub.add_option("--dpi", a->dpi, "Resolution of image inputs (default 500)")
          ->check(CLI::Range(250.0, 1200.0));
      sub.add_option("--min-quality", a->min_quality,
                     "Refuse prints with a quality score below this (0-100)")
          ->check(CLI::Range(0, 100));
      sub.add_flag("--append", a->append, "Add the fingers to an enrolled subject");
      sub.add_flag("--keep-images", a->keep_images,
                   "Also store each print image (sealed, deleted with the subject) for examiners");
      AddStoreFlags(sub, &a->store);
      AddOperatorFlags(sub, &a->govern);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
